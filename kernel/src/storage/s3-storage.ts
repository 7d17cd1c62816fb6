import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { isPacaError } from '@paca/plugin-sdk';
import { Client } from 'minio';
import type { Clock } from '../clock.js';
import { PayloadTooLarge, StorageObjectNotFound, StorageUnavailable } from '../http/kernel-errors.js';
import {
  assertValidFileName, assertValidKey, attachmentDisposition, DOWNLOAD_URL_TTL_SECONDS, effectiveLimit, enforceUploadLimit, normalizeContentType,
  UPLOAD_URL_TTL_SECONDS, urlTtl,
  type ObjectDownload, type ObjectInfo, type ObjectStorage, type PresignDownloadOptions, type PresignedDownload,
  type PresignedUpload, type PresignUploadOptions, type PutOptions, type StoredObject,
} from './object-storage.js';

export interface S3ObjectStorageOptions {
  /** `STORAGE_ENDPOINT`, e.g. `https://s3.eu-west-1.amazonaws.com` or `http://minio:9000`. */
  endpoint: string;
  /** `STORAGE_PUBLIC_URL`: the origin (and optional path prefix) clients reach the server at. */
  publicUrl: string | null;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  useSsl: boolean;
  maxObjectBytes: number;
  clock: Clock;
}

const MIB = 1024 * 1024;
const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound']);

/**
 * Objects in an S3-compatible bucket through the `minio` client (path-style addressing, so MinIO
 * and loopback servers work). `put` buffers the body while counting it (refusing it with 413 past
 * the limit, before anything is sent) and stores it with one PUT; clients upload large files
 * straight to the bucket with `presignUpload`, then the kernel calls `verifyUpload`.
 */
export class S3ObjectStorage implements ObjectStorage {
  readonly provider = 's3' as const;
  readonly maxObjectBytes: number;
  private readonly client: Client;
  /** Signs URLs for the public address: SigV4 covers the Host header, so a textual rewrite would break them. */
  private readonly presigner: Client;
  private readonly publicPrefix: string;
  private readonly bucket: string;
  private readonly region: string;
  private readonly clock: Clock;

  /** Connects and creates the bucket if missing (D12); a refused connection or signature fails here, at boot. */
  static async open(options: S3ObjectStorageOptions): Promise<S3ObjectStorage> {
    const storage = new S3ObjectStorage(options);
    await storage.ensureBucket();
    return storage;
  }

  constructor(options: S3ObjectStorageOptions) {
    this.maxObjectBytes = options.maxObjectBytes;
    this.bucket = options.bucket;
    this.region = options.region;
    this.clock = options.clock;
    // Every object within the limit goes up in one PUT (D12), never as a multipart upload.
    const partSize = Math.max(64 * MIB, Math.ceil(options.maxObjectBytes / MIB) * MIB);
    const clientFor = (url: URL, useSsl: boolean) => new Client({
      endPoint: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port ? Number(url.port) : useSsl ? 443 : 80,
      useSSL: useSsl,
      accessKey: options.accessKeyId,
      secretKey: options.secretAccessKey,
      region: options.region,
      pathStyle: true,
      partSize,
    });
    this.client = clientFor(new URL(options.endpoint), options.useSsl);
    const publicUrl = options.publicUrl ? new URL(options.publicUrl) : null;
    this.presigner = publicUrl ? clientFor(publicUrl, publicUrl.protocol === 'https:') : this.client;
    this.publicPrefix = publicUrl ? publicUrl.pathname.replace(/\/+$/, '') : '';
  }

  async ensureBucket(): Promise<void> {
    try {
      if (!(await this.client.bucketExists(this.bucket))) await this.client.makeBucket(this.bucket, this.region);
    } catch (error) {
      throw StorageUnavailable({ provider: 's3', operation: 'bucket check' }, {
        cause: error, message: `object storage (s3) bucket ${this.bucket} could not be checked or created: ${describe(error)}`,
      });
    }
  }

  async put(key: string, body: Readable | Buffer, options: PutOptions = {}): Promise<StoredObject> {
    assertValidKey(key);
    const limit = effectiveLimit(this.maxObjectBytes, options.maxBytes);
    const contentType = normalizeContentType(options.contentType);
    const data = Buffer.isBuffer(body) ? body : await readLimited(body, limit);
    if (data.length > limit) throw PayloadTooLarge({ limit_bytes: limit });
    try {
      await this.client.putObject(this.bucket, key, data, data.length, { 'Content-Type': contentType });
    } catch (error) {
      throw this.wrap(error, key, 'put');
    }
    return { key, size: data.length };
  }

  async get(key: string): Promise<ObjectDownload> {
    assertValidKey(key);
    try {
      const stream = await this.client.getObject(this.bucket, key);
      // minio hands back the HTTP response itself: its headers describe exactly this body.
      const headers = (stream as Readable & Partial<Pick<IncomingMessage, 'headers'>>).headers;
      if (headers?.['content-length'] !== undefined) {
        return { key, stream, size: Number(headers['content-length']), contentType: headers['content-type'] ?? 'application/octet-stream' };
      }
      const info = await this.stat(key);
      return { ...info, stream };
    } catch (error) {
      throw this.wrap(error, key, 'get');
    }
  }

  async stat(key: string): Promise<ObjectInfo> {
    assertValidKey(key);
    try {
      const info = await this.client.statObject(this.bucket, key);
      const metaData = info.metaData as Record<string, string | undefined>;
      return { key, size: info.size, contentType: metaData['content-type'] ?? 'application/octet-stream' };
    } catch (error) {
      throw this.wrap(error, key, 'stat');
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    try {
      await this.client.removeObject(this.bucket, key);
    } catch (error) {
      const wrapped = this.wrap(error, key, 'delete');
      if (!isPacaError(wrapped, StorageObjectNotFound.code)) throw wrapped;
    }
  }

  async presignUpload(key: string, options: PresignUploadOptions = {}): Promise<PresignedUpload> {
    assertValidKey(key);
    const maxBytes = effectiveLimit(this.maxObjectBytes, options.maxBytes);
    const contentType = options.contentType === undefined ? null : normalizeContentType(options.contentType);
    const ttl = urlTtl(options.expiresInSeconds, UPLOAD_URL_TTL_SECONDS);
    const { url, expiresAt } = await this.presign('PUT', key, ttl, {});
    return { url, method: 'PUT', expires_at: expiresAt, max_bytes: maxBytes, headers: contentType ? { 'content-type': contentType } : {} };
  }

  async presignDownload(key: string, options: PresignDownloadOptions = {}): Promise<PresignedDownload> {
    assertValidKey(key);
    if (options.fileName !== undefined) assertValidFileName(options.fileName);
    const ttl = urlTtl(options.expiresInSeconds, DOWNLOAD_URL_TTL_SECONDS);
    const params: Record<string, string> = options.fileName === undefined ? {} : { 'response-content-disposition': attachmentDisposition(options.fileName) };
    const { url, expiresAt } = await this.presign('GET', key, ttl, params);
    return { url, expires_at: expiresAt };
  }

  verifyUpload(key: string, maxBytes?: number): Promise<ObjectInfo> {
    return enforceUploadLimit(this, key, effectiveLimit(this.maxObjectBytes, maxBytes));
  }

  private async presign(method: 'GET' | 'PUT', key: string, ttl: number, params: Record<string, string>) {
    // Signed at the kernel clock's second: X-Amz-Date has no finer resolution.
    const signedAt = new Date(Math.floor(this.clock.now().getTime() / 1000) * 1000);
    let url: string;
    try {
      url = await this.presigner.presignedUrl(method, this.bucket, key, ttl, params, signedAt);
    } catch (error) {
      throw this.wrap(error, key, 'presign');
    }
    if (this.publicPrefix) {
      // A reverse proxy serving the bucket under a path strips the prefix; the signature covers the path without it.
      const parsed = new URL(url);
      parsed.pathname = `${this.publicPrefix}${parsed.pathname}`;
      url = parsed.toString();
    }
    return { url, expiresAt: new Date(signedAt.getTime() + ttl * 1000).toISOString() };
  }

  private wrap(error: unknown, key: string, operation: string): Error {
    if (isPacaError(error)) return error;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_FOUND_CODES.has(code) && operation !== 'put') return StorageObjectNotFound({ key });
    return StorageUnavailable({ provider: 's3', operation }, { cause: error });
  }
}

/** Reads a stream into memory, failing with 413 (and destroying it) once it passes `limit`. */
async function readLimited(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > limit) {
      body.destroy();
      throw PayloadTooLarge({ limit_bytes: limit });
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}

function describe(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return [typeof code === 'string' ? code : null, typeof message === 'string' ? message : null].filter(Boolean).join(': ') || String(error);
}
