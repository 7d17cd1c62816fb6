import { createApiClient } from '@paca/plugin-sdk/web';

let signedOut: () => void = () => undefined;

/** Called by the session store: what to do when the session cannot be refreshed any more. */
export function onSignedOut(handler: () => void): void {
  signedOut = handler;
}

/** The shell's one API client; plugins get the same instance in their slot context. */
export const api = createApiClient({
  // The refresh cookie (Path=/api/v1/auth) renews the access cookie; one attempt per 401.
  refresh: async () => {
    const response = await fetch('/api/v1/auth/refresh', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: '{}' });
    return response.ok;
  },
  onSignedOut: () => signedOut(),
});
