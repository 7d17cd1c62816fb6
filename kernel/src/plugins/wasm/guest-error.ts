import { PacaError } from '@paca/plugin-sdk';
import { PluginCrashed } from '../plugin-errors.js';

const CODE = /^[A-Z][A-Z0-9_]{1,63}$/;
/** Guest messages reach clients and logs; a plugin cannot make them arbitrarily long. */
const MESSAGE_LIMIT = 1_000;

/**
 * The coded error a guest asked for with Extism's `error_set` (ABI): `{"code", "message",
 * "status"?}` becomes that error with `error_details.plugin_id`, so a plugin's own codes (and the
 * PLUGIN_PERMISSION_DENIED it got from a refused host call) reach the client. Anything else — plain
 * text, no code, a status outside 400–599 — is PLUGIN_CRASHED.
 */
export function guestError(pluginId: string, fn: string, text: string): PacaError {
  const reported = parseObject(text);
  const code = reported?.code;
  const status = reported?.status ?? 500;
  if (typeof code === 'string' && CODE.test(code) && typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599) {
    const message = typeof reported?.message === 'string' && reported.message.length > 0 ? reported.message : code;
    return new PacaError(code, status, truncate(message), { plugin_id: pluginId });
  }
  return PluginCrashed({ plugin_id: pluginId, function: fn, reason: `it failed with an error the ABI does not describe: ${truncate(text)}` });
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : null;
  } catch {
    return null;
  }
}

function truncate(text: string): string {
  return text.length > MESSAGE_LIMIT ? `${text.slice(0, MESSAGE_LIMIT)}…` : text;
}
