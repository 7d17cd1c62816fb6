import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isPacaError } from '@paca/plugin-sdk';
import type { Clock } from '../clock.js';
import { PayloadTooLarge, StorageKeyConflict, StorageObjectNotFound, StorageUnavailable } from '../http/kernel-errors.js';
import { ByteLimiter } from './byte-limiter.js';
import {
  assertValidFileName, assertValidKey, DOWNLOAD_URL_TTL_SECONDS, effectiveLimit, enforceUploadLimit, normalizeContentType, UPLOAD_URL_TTL_SECONDS, urlTtl,
  type ObjectDownload, type ObjectInfo, type ObjectStorage, type PresignDownloadOptions, type PresignedDownload,
  type PresignedUpload, type PresignUploadOptions, type PutOptions, type StoredObject,
} from './object-storage.js';
import type { SignedQuery, StorageUrlSigner } from './storage-url-signer.js';

/** Where the fs adapter's presigned routes live, under the public base URL. */
export const STORAGE_OBJECTS_PATH = '/api/v1/storage/objects';

export interface FsObjectStorageOptions {
  /** `DATA_DIR/objects`. */
  root: string;
  maxObjectBytes: number;
  signer: StorageUrlSigner;
  /** Origin (and optional path prefix) presigned URLs start with: `STORAGE_PUBLIC_URL`, else `PUBLIC_URL`. */
  publicUrl: string;
  clock: Clock;
}

// `~` cannot occur in a key, so neither the temp folder nor metadata files can collide with an object.
const TEMP_DIR = '.~tmp';
const META_SUFFIX = '~meta.json';

/**
 * Objects as files under `DATA_DIR/objects/<key>`, their content type beside them. Writes go to
 * a temp file renamed into place, so readers never see a partial object; the limit is enforced
 * while streaming. Presigned URLs point at the kernel's own storage routes (`storage-routes.ts`).
 */
export class FsObjectStorage implements ObjectStorage {
  readonly provider = 'fs' as const;
  readonly maxObjectBytes: number;
  readonly signer: StorageUrlSigner;
  private readonly root: string;
  private readonly publicUrl: string;
  private readonly clock: Clock;

  constructor(options: FsObjectStorageOptions) {
    this.root = path.resolve(options.root);
    this.maxObjectBytes = options.maxObjectBytes;
    this.signer = options.signer;
    this.publicUrl = options.publicUrl.replace(/\/+$/, '');
    this.clock = options.clock;
  }

  async put(key: string, body: Readable | Buffer, options: PutOptions = {}): Promise<StoredObject> {
    assertValidKey(key);
    const limit = effectiveLimit(this.maxObjectBytes, options.maxBytes);
    const contentType = normalizeContentType(options.contentType);
    if (Buffer.isBuffer(body) && body.length > limit) throw PayloadTooLarge({ limit_bytes: limit });
    const file = this.fileOf(key);
    const tempDir = path.join(this.root, TEMP_DIR);
    const temp = path.join(tempDir, randomUUID());
    const limiter = new ByteLimiter(limit);
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    // An error the source raises before the pipeline is attached would be uncaught; the pipeline reports it.
    const reportedByPipeline = () => undefined;
    source.on('error', reportedByPipeline);
    let metaPlaced = false;
    try {
      await mkdir(tempDir, { recursive: true });
      await pipeline(source, limiter, createWriteStream(temp, { flags: 'wx' }));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(`${temp}${META_SUFFIX}`, JSON.stringify({ content_type: contentType }), { flag: 'wx' });
      await rename(`${temp}${META_SUFFIX}`, `${file}${META_SUFFIX}`);
      metaPlaced = true;
      await rename(temp, file);
    } catch (error) {
      source.destroy();
      await Promise.all([
        rm(temp, { force: true }), rm(`${temp}${META_SUFFIX}`, { force: true }),
        metaPlaced ? rm(`${file}${META_SUFFIX}`, { force: true }) : undefined,
      ]);
      throw this.wrap(error, key, 'put');
    } finally {
      source.off('error', reportedByPipeline);
    }
    return { key, size: limiter.bytes };
  }

  async get(key: string): Promise<ObjectDownload> {
    assertValidKey(key);
    const file = this.fileOf(key);
    let handle: FileHandle | undefined;
    try {
      handle = await open(file, 'r');
      const info = await handle.stat();
      if (!info.isFile()) throw StorageObjectNotFound({ key });
      const contentType = await this.contentTypeOf(file);
      return { key, size: info.size, contentType, stream: handle.createReadStream() };
    } catch (error) {
      await handle?.close();
      throw this.wrap(error, key, 'get');
    }
  }

  async stat(key: string): Promise<ObjectInfo> {
    assertValidKey(key);
    const file = this.fileOf(key);
    try {
      const info = await stat(file);
      if (!info.isFile()) throw StorageObjectNotFound({ key });
      return { key, size: info.size, contentType: await this.contentTypeOf(file) };
    } catch (error) {
      throw this.wrap(error, key, 'stat');
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    const file = this.fileOf(key);
    try {
      const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
        throw error;
      });
      if (info && !info.isFile()) return; // a folder of other keys, not an object
      await rm(file, { force: true });
      await rm(`${file}${META_SUFFIX}`, { force: true });
    } catch (error) {
      throw this.wrap(error, key, 'delete');
    }
  }

  async presignUpload(key: string, options: PresignUploadOptions = {}): Promise<PresignedUpload> {
    assertValidKey(key);
    const maxBytes = effectiveLimit(this.maxObjectBytes, options.maxBytes);
    const contentType = options.contentType === undefined ? null : normalizeContentType(options.contentType);
    const expires = this.expiry(urlTtl(options.expiresInSeconds, UPLOAD_URL_TTL_SECONDS));
    const query = this.signer.signUpload({ key, expires, maxBytes, contentType });
    return {
      url: this.urlOf(key, query),
      method: 'PUT',
      expires_at: new Date(expires * 1000).toISOString(),
      max_bytes: maxBytes,
      headers: contentType ? { 'content-type': contentType } : {},
    };
  }

  async presignDownload(key: string, options: PresignDownloadOptions = {}): Promise<PresignedDownload> {
    assertValidKey(key);
    if (options.fileName !== undefined) assertValidFileName(options.fileName);
    const expires = this.expiry(urlTtl(options.expiresInSeconds, DOWNLOAD_URL_TTL_SECONDS));
    const query = this.signer.signDownload({ key, expires, fileName: options.fileName ?? null });
    return { url: this.urlOf(key, query), expires_at: new Date(expires * 1000).toISOString() };
  }

  verifyUpload(key: string, maxBytes?: number): Promise<ObjectInfo> {
    return enforceUploadLimit(this, key, effectiveLimit(this.maxObjectBytes, maxBytes));
  }

  /**
   * Removes temp files an interrupted process left behind (a crash mid-upload). Only old ones:
   * another replica sharing DATA_DIR may be writing the recent ones.
   */
  async removeStaleTempFiles(olderThanMs = 24 * 60 * 60 * 1000): Promise<number> {
    const tempDir = path.join(this.root, TEMP_DIR);
    const names = await readdir(tempDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    const cutoff = this.clock.now().getTime() - olderThanMs;
    let removed = 0;
    for (const name of names) {
      const file = path.join(tempDir, name);
      const info = await stat(file).catch(() => null);
      if (info && info.mtimeMs < cutoff) {
        await rm(file, { force: true });
        removed++;
      }
    }
    return removed;
  }

  private fileOf(key: string): string {
    const file = path.join(this.root, ...key.split('/'));
    // assertValidKey already rules this out; kept as a second fence around DATA_DIR.
    if (!file.startsWith(`${this.root}${path.sep}`)) throw StorageObjectNotFound({ key });
    return file;
  }

  private async contentTypeOf(file: string): Promise<string> {
    try {
      const meta = JSON.parse(await readFile(`${file}${META_SUFFIX}`, 'utf8')) as { content_type?: unknown };
      return typeof meta.content_type === 'string' ? meta.content_type : 'application/octet-stream';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'application/octet-stream';
      throw error;
    }
  }

  /** Whole seconds, rounded down: the URL says exactly when it stops working. */
  private expiry(ttlSeconds: number): number {
    return Math.floor(this.clock.now().getTime() / 1000) + ttlSeconds;
  }

  private urlOf(key: string, query: SignedQuery): string {
    const search = new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined));
    return `${this.publicUrl}${STORAGE_OBJECTS_PATH}/${key}?${search.toString()}`;
  }

  private wrap(error: unknown, key: string, operation: string): Error {
    if (isPacaError(error)) return error;
    const code = (error as NodeJS.ErrnoException).code;
    if (operation === 'put' && (code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST')) return StorageKeyConflict({ key });
    if (operation !== 'put' && (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR')) return StorageObjectNotFound({ key });
    return StorageUnavailable({ provider: 'fs', operation }, { cause: error });
  }
}
