import { SignJWT, jwtVerify } from 'jose';
import type { Clock } from '../clock.js';

export interface AccessClaims {
  sub: string;
  kind: 'access';
  /** The refresh family this token was minted from; logout and revocation follow it. */
  sid: string;
  must_change_password: boolean;
  /** Expiry in seconds since the epoch (set on verified tokens; sockets drop the session then). */
  exp?: number;
}

/** Short-lived HS256 access JWTs (reference 2.2), timed by the kernel clock. */
export class AccessTokens {
  private readonly key: Uint8Array;

  constructor(secret: string, private readonly ttlMs: number, private readonly clock: Clock) {
    this.key = new TextEncoder().encode(secret);
  }

  get ttlSeconds(): number {
    return Math.floor(this.ttlMs / 1000);
  }

  async sign(claims: Omit<AccessClaims, 'kind'>): Promise<string> {
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    return new SignJWT({ kind: 'access', sid: claims.sid, must_change_password: claims.must_change_password })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.sub)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + this.ttlSeconds)
      .sign(this.key);
  }

  /** The claims of a valid, unexpired access token; null otherwise. */
  async verify(token: string): Promise<AccessClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], currentDate: this.clock.now() });
      if (payload.kind !== 'access' || typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return null;
      return { sub: payload.sub, kind: 'access', sid: payload.sid, must_change_password: payload.must_change_password === true, ...(payload.exp ? { exp: payload.exp } : {}) };
    } catch {
      return null;
    }
  }
}
