import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import { StorageUrlExpired, StorageUrlInvalid } from '../http/kernel-errors.js';

/** What a presigned fs upload URL grants. */
export interface UploadGrant {
  key: string;
  /** Unix seconds. */
  expires: number;
  maxBytes: number;
  contentType: string | null;
}

/** What a presigned fs download URL grants. */
export interface DownloadGrant {
  key: string;
  expires: number;
  fileName: string | null;
}

/** The query string of a presigned fs URL, as received. */
export interface SignedQuery {
  expires?: string;
  max_bytes?: string;
  content_type?: string;
  file_name?: string;
  signature?: string;
}

const DIGITS = /^\d{1,15}$/;

/**
 * Signs and checks the fs adapter's presigned URLs (D12): HMAC-SHA256 under a key derived from
 * `ENCRYPTION_KEY` (HKDF, info "paca-storage-url"), over the method, key, expiry and limits, so
 * none can be changed; compared in constant time; expiry read from the kernel clock.
 */
export class StorageUrlSigner {
  private readonly key: Buffer;

  constructor(encryptionKeyHex: string, private readonly clock: Clock) {
    this.key = Buffer.from(hkdfSync('sha256', Buffer.from(encryptionKeyHex, 'hex'), Buffer.alloc(0), 'paca-storage-url', 32));
  }

  signUpload(grant: UploadGrant): SignedQuery {
    const query: SignedQuery = { expires: String(grant.expires), max_bytes: String(grant.maxBytes) };
    if (grant.contentType !== null) query.content_type = grant.contentType;
    return { ...query, signature: this.sign('PUT', grant.key, query) };
  }

  signDownload(grant: DownloadGrant): SignedQuery {
    const query: SignedQuery = { expires: String(grant.expires) };
    if (grant.fileName !== null) query.file_name = grant.fileName;
    return { ...query, signature: this.sign('GET', grant.key, query) };
  }

  /** The grant of a presigned upload URL; 403 `STORAGE_URL_INVALID` / `STORAGE_URL_EXPIRED` otherwise. */
  verifyUpload(key: string, query: SignedQuery): UploadGrant {
    if (query.file_name !== undefined || !DIGITS.test(query.max_bytes ?? '')) throw StorageUrlInvalid({});
    const expires = this.verify('PUT', key, query);
    return { key, expires, maxBytes: Number(query.max_bytes), contentType: query.content_type ?? null };
  }

  verifyDownload(key: string, query: SignedQuery): DownloadGrant {
    if (query.max_bytes !== undefined || query.content_type !== undefined) throw StorageUrlInvalid({});
    const expires = this.verify('GET', key, query);
    return { key, expires, fileName: query.file_name ?? null };
  }

  private verify(method: 'PUT' | 'GET', key: string, query: SignedQuery): number {
    if (!DIGITS.test(query.expires ?? '') || typeof query.signature !== 'string') throw StorageUrlInvalid({});
    // Compared as text: base64url decoding ignores stray characters, the encoded form does not.
    const given = Buffer.from(query.signature, 'utf8');
    const expected = Buffer.from(this.sign(method, key, query), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw StorageUrlInvalid({});
    // Checked after the signature, so a forged expiry is reported as invalid, not expired.
    const expires = Number(query.expires);
    if (this.clock.now().getTime() >= expires * 1000) throw StorageUrlExpired({ expired_at: new Date(expires * 1000).toISOString() });
    return expires;
  }

  private sign(method: 'PUT' | 'GET', key: string, query: SignedQuery): string {
    // JSON keeps the fields unambiguous: no value can spill into its neighbour.
    const payload = JSON.stringify(['paca-storage-url-v1', method, key, query.expires ?? null, query.max_bytes ?? null,
      query.content_type ?? null, query.file_name ?? null]);
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
