import { Transform, type TransformCallback } from 'node:stream';
import { PayloadTooLarge } from '../http/kernel-errors.js';

/**
 * Passes bytes through and fails with 413 `PAYLOAD_TOO_LARGE` the moment more than `limit` went
 * by, so an oversize body is refused while it streams instead of after it was written.
 */
export class ByteLimiter extends Transform {
  bytes = 0;

  constructor(readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return callback(PayloadTooLarge({ limit_bytes: this.limit }));
    callback(null, chunk);
  }
}
