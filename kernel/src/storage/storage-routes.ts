import { finished, PassThrough } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PayloadTooLarge } from '../http/kernel-errors.js';
import type { Router } from '../http/router.js';
import { StrictObject } from '../http/schemas.js';
import type { FsObjectStorage } from './fs-storage.js';
import { attachmentDisposition } from './object-storage.js';

// One schema for both routes: a field of the other kind of URL is a bad signature (403), not a 422.
const SignedQuery = StrictObject({
  expires: Type.Optional(Type.String({ maxLength: 32 })),
  max_bytes: Type.Optional(Type.String({ maxLength: 32 })),
  content_type: Type.Optional(Type.String({ maxLength: 255 })),
  file_name: Type.Optional(Type.String({ maxLength: 255 })),
  signature: Type.Optional(Type.String({ maxLength: 128 })),
});

// Checked by the signature, not by a pattern here: a malformed key cannot carry a valid one.
const ObjectParams = StrictObject({ '*': Type.String({ maxLength: 1024 }) });

/**
 * The fs adapter's presigned URLs (D12). Authorised by their signature alone, so they are
 * `public` routes and exempt from the CSRF rule (D6); errors keep the envelope.
 */
export function registerStorageRoutes(router: Router, storage: FsObjectStorage): void {
  router.route({
    method: 'PUT',
    url: '/storage/objects/*',
    summary: 'Upload an object through a presigned URL (fs storage)',
    tags: ['storage'],
    access: { kind: 'public' },
    params: ObjectParams,
    querystring: SignedQuery,
    status: 201,
    transactional: false,
    rawBody: true,
    handler: async ({ params, query, request, reply }) => {
      try {
        const grant = storage.signer.verifyUpload(params['*'], query);
        const declared = request.headers['content-length'];
        if (declared !== undefined && Number(declared) > grant.maxBytes) throw PayloadTooLarge({ limit_bytes: grant.maxBytes });
        return await storage.put(grant.key, detachedBody(request), {
          contentType: grant.contentType ?? request.headers['content-type'], maxBytes: grant.maxBytes,
        });
      } catch (error) {
        closeAfterReply(request, reply);
        throw error;
      }
    },
  });

  router.route({
    method: 'GET',
    url: '/storage/objects/*',
    summary: 'Download an object through a presigned URL (fs storage)',
    tags: ['storage'],
    access: { kind: 'public' },
    params: ObjectParams,
    querystring: SignedQuery,
    rawReply: true,
    handler: async ({ params, query, reply }) => {
      const grant = storage.signer.verifyDownload(params['*'], query);
      const object = await storage.get(grant.key);
      return reply
        .header('content-type', object.contentType)
        .header('content-length', String(object.size))
        .header('content-disposition', attachmentDisposition(grant.fileName ?? grant.key.split('/').pop()!))
        // Served from the API's origin: never let a browser render or sniff an uploaded file there.
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, no-store')
        .send(object.stream);
    },
  });
}

/**
 * The request body as a stream storage may destroy on failure without destroying the socket,
 * so the 413 or 403 still reaches the client. A client that disconnects fails it.
 */
function detachedBody(request: FastifyRequest): PassThrough {
  const body = new PassThrough();
  finished(request.raw, (error) => {
    if (error) body.destroy(error);
  });
  request.raw.pipe(body);
  return body;
}

/** After a refused upload, drop the connection once the error is sent rather than read the rest of the body. */
function closeAfterReply(request: FastifyRequest, reply: FastifyReply): void {
  if (request.raw.complete) return;
  request.raw.unpipe();
  reply.header('connection', 'close');
}
