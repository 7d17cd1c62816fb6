import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { PayloadTooLarge, StorageKeyInvalid, ValidationFailed } from '../http/kernel-errors.js';
import { isUuid } from '../http/schemas.js';

/** D12 defaults: 100 MiB per object (`STORAGE_MAX_OBJECT_BYTES`), upload URLs 1 h, download URLs 15 min. */
export const DEFAULT_MAX_OBJECT_BYTES = 100 * 1024 * 1024;
export const UPLOAD_URL_TTL_SECONDS = 60 * 60;
export const DOWNLOAD_URL_TTL_SECONDS = 15 * 60;
/** S3 refuses presigned URLs valid for more than a week; the fs adapter keeps the same bound. */
export const MAX_URL_TTL_SECONDS = 7 * 24 * 60 * 60;
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

export interface PutOptions {
  contentType?: string;
  /** Lower than the configured limit only; larger values are capped to it. */
  maxBytes?: number;
}

export interface StoredObject {
  key: string;
  size: number;
}

export interface ObjectInfo {
  key: string;
  size: number;
  contentType: string;
}

export interface ObjectDownload extends ObjectInfo {
  stream: Readable;
}

export interface PresignUploadOptions {
  expiresInSeconds?: number;
  maxBytes?: number;
  contentType?: string;
}

export interface PresignedUpload {
  url: string;
  method: 'PUT';
  expires_at: string;
  /** The largest body the upload may carry; pass it to `verifyUpload` once the client is done. */
  max_bytes: number;
  /** Headers the client must send with the PUT. */
  headers: Record<string, string>;
}

export interface PresignDownloadOptions {
  expiresInSeconds?: number;
  /** Offered to the browser through `Content-Disposition: attachment`. */
  fileName?: string;
}

export interface PresignedDownload {
  url: string;
  expires_at: string;
}

/**
 * The kernel's object storage (D12), one interface over the filesystem and S3 adapters. Keys
 * come from {@link objectKey}; errors are coded (`STORAGE_OBJECT_NOT_FOUND`, `PAYLOAD_TOO_LARGE`,
 * `STORAGE_UNAVAILABLE` wrapping the backend's error as `cause`).
 *
 * @example
 * const key = objectKey(projectId);
 * const upload = await storage.presignUpload(key, { contentType: 'image/png' });
 * // … the client PUTs to upload.url with upload.headers …
 * await storage.verifyUpload(key, upload.max_bytes);
 * const { url } = await storage.presignDownload(key, { fileName: 'diagram.png' });
 */
export interface ObjectStorage {
  readonly provider: 'fs' | 's3';
  /** `STORAGE_MAX_OBJECT_BYTES`: no object is ever larger. */
  readonly maxObjectBytes: number;
  /** Stores `body`, refusing it with 413 as soon as it passes the limit; nothing is left behind then. */
  put(key: string, body: Readable | Buffer, options?: PutOptions): Promise<StoredObject>;
  get(key: string): Promise<ObjectDownload>;
  stat(key: string): Promise<ObjectInfo>;
  /** Idempotent: deleting a missing object succeeds. */
  delete(key: string): Promise<void>;
  presignUpload(key: string, options?: PresignUploadOptions): Promise<PresignedUpload>;
  presignDownload(key: string, options?: PresignDownloadOptions): Promise<PresignedDownload>;
  /**
   * Completes a presigned upload: the object must exist and fit `maxBytes` (default: the limit).
   * An oversize object is deleted and 413 thrown (S3 cannot cap a presigned PUT by itself).
   */
  verifyUpload(key: string, maxBytes?: number): Promise<ObjectInfo>;
}

/** A fresh key for an object of a project: `projects/<project_id>/<uuid>` (D12). */
export function objectKey(projectId: string): string {
  if (!isUuid(projectId)) throw StorageKeyInvalid({ key: `projects/${projectId}/` }, { message: 'project id must be a UUID' });
  return `projects/${projectId.toLowerCase()}/${randomUUID()}`;
}

const KEY = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;
const MAX_KEY_LENGTH = 1024;

/** Keys are relative paths: no absolute paths, no `..`, nothing a filesystem or URL would reinterpret. */
export function assertValidKey(key: string): void {
  const valid = typeof key === 'string' && key.length <= MAX_KEY_LENGTH && KEY.test(key)
    && key.split('/').every((segment) => segment !== '.' && segment !== '..');
  if (!valid) throw StorageKeyInvalid({ key: String(key).slice(0, MAX_KEY_LENGTH) });
}

const TOKEN = "[A-Za-z0-9!#$&^_.+-]+";
const CONTENT_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:\\s*;\\s*${TOKEN}=(?:${TOKEN}|"[^"\\\\\\r\\n]*"))*$`);

/** A media type safe to store and send back as a header; absent → `application/octet-stream`. */
export function normalizeContentType(contentType: string | undefined): string {
  if (contentType === undefined || contentType.trim() === '') return DEFAULT_CONTENT_TYPE;
  const value = contentType.trim();
  if (value.length > 255 || !CONTENT_TYPE.test(value)) {
    throw ValidationFailed({ issues: [{ path: 'contentType', message: 'must be a media type such as image/png' }] });
  }
  return value;
}

/** The effective limit: the caller's, never above the configured one. */
export function effectiveLimit(configured: number, requested: number | undefined): number {
  if (requested === undefined) return configured;
  if (!Number.isSafeInteger(requested) || requested < 0) {
    throw ValidationFailed({ issues: [{ path: 'maxBytes', message: 'must be a non-negative integer' }] });
  }
  return Math.min(requested, configured);
}

/** Seconds a presigned URL stays valid, checked against S3's one-week bound. */
export function urlTtl(requested: number | undefined, fallback: number): number {
  const ttl = requested ?? fallback;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_URL_TTL_SECONDS) {
    throw ValidationFailed({ issues: [{ path: 'expiresInSeconds', message: `must be an integer between 1 and ${MAX_URL_TTL_SECONDS}` }] });
  }
  return ttl;
}

/** A download file name: 1–255 characters, no control characters or path separators. */
export function assertValidFileName(fileName: string): void {
  if (fileName.length === 0 || fileName.length > 255 || /[\x00-\x1f\x7f/\\]/.test(fileName)) {
    throw ValidationFailed({ issues: [{ path: 'fileName', message: 'must be 1-255 characters without control characters or slashes' }] });
  }
}

/**
 * `Content-Disposition: attachment` (RFC 6266): the plain quoted name when it is simple ASCII,
 * otherwise an ASCII fallback plus the UTF-8 name in `filename*`.
 */
export function attachmentDisposition(fileName: string): string {
  if (/^[\x20-\x7e]*$/.test(fileName) && !/["\\%]/.test(fileName)) return `attachment; filename="${fileName}"`;
  const fallback = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** After a presigned upload: an object over `limit` is deleted and refused (413, D12). */
export async function enforceUploadLimit(storage: Pick<ObjectStorage, 'stat' | 'delete'>, key: string, limit: number): Promise<ObjectInfo> {
  const info = await storage.stat(key);
  if (info.size > limit) {
    await storage.delete(key);
    throw PayloadTooLarge({ limit_bytes: limit });
  }
  return info;
}
