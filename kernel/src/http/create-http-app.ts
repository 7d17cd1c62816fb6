import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { isPacaError, type PacaError } from '@paca/plugin-sdk';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Redis } from 'ioredis';
import { errorEnvelope } from './envelope.js';
import {
  BadRequest, Conflict, InternalError, NotFound, PayloadTooLarge, TooManyRequests, UnsupportedMediaType, ValidationFailed,
} from './kernel-errors.js';
import { validationError, validatorCompiler } from './validation.js';

export interface HttpAppOptions {
  logger: FastifyServerOptions['logger'];
  bodyLimitBytes: number;
  trustProxy: boolean | number | string;
  corsOrigins: string[];
  publicUrl: string;
  version: string;
  /** Shared store for rate limits across replicas; in-memory when absent. */
  redis: Redis | null;
  /** Prefix of rate-limit keys in Redis. */
  redisNamespace: string;
  /** Sees every route Fastify registers, plugins' included (the D33 route walk uses it). */
  onRoute?: (route: { method: string; url: string }) => void;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify configured for the reference's HTTP contract: envelopes, X-Request-ID, JSON only,
 * D2 error mapping, `/api/healthz`, OpenAPI at `/api/docs`. Routes are added by the kernel.
 */
export async function createHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger,
    bodyLimit: options.bodyLimitBytes,
    requestIdHeader: false, // genReqId validates the client's X-Request-ID itself
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false } },
    routerOptions: { ignoreTrailingSlash: true },
    // Fastify accepts a hop count at runtime; its type declarations omit it.
    trustProxy: options.trustProxy as boolean | string,
  });
  if (options.onRoute) {
    const notify = options.onRoute;
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) if (method !== 'HEAD') notify({ method, url: route.url });
    });
  }
  app.setValidatorCompiler(validatorCompiler);
  app.setSchemaErrorFormatter((errors, dataVar) => validationError(errors as never, dataVar));

  // JSON only: text/plain is what a cross-site form could send, so it has no parser (D6).
  app.removeContentTypeParser('text/plain');
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') return done(null, {});
    parseJson(request, body as string, done);
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // API answers are per caller and change under the same URL: never reuse one from a cache
    // (a response with an ETag and no Cache-Control may otherwise be served stale).
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });

  app.setErrorHandler((error: FastifyError | PacaError, request, reply) => {
    const mapped = toPacaError(error, options.bodyLimitBytes);
    if (mapped.status >= 500) request.log.error({ err: error }, 'request failed');
    if (mapped.code === 'TOO_MANY_REQUESTS' && mapped.details) {
      reply.header('retry-after', String((mapped.details as { retry_after_seconds: number }).retry_after_seconds));
    }
    return reply.code(mapped.status).send(errorEnvelope(mapped, request.id));
  });
  app.setNotFoundHandler((request, reply) => {
    const error = NotFound({}, { message: `no route for ${request.method} ${request.url.split('?')[0]}` });
    return reply.code(404).send(errorEnvelope(error, request.id));
  });

  await app.register(cookie);
  await app.register(cors, {
    origin: options.corsOrigins.includes('*') ? true : [options.publicUrl, ...options.corsOrigins],
    credentials: !options.corsOrigins.includes('*'),
    exposedHeaders: ['x-request-id', 'etag'],
  });
  await app.register(rateLimit, {
    global: false,
    // Redis is never on the critical path (D24): if it is unreachable, logins go on unlimited.
    skipOnError: true,
    ...(options.redis ? { redis: options.redis, nameSpace: `${options.redisNamespace}rate-limit:` } : {}),
    errorResponseBuilder: (_request, context) => TooManyRequests({ retry_after_seconds: Math.max(1, Math.ceil(context.ttl / 1000)) }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Paca API', version: options.version, description: 'REST API of the Paca kernel. Every response is wrapped in `{success, data, request_id}` or `{success:false, error_code, error, error_details?, request_id}`.' },
      servers: [{ url: options.publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          apiKey: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`ApiKey paca_…`' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'access_token' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  app.get('/api/healthz', { schema: { hide: true } }, async (_request, reply) => reply.send({ status: 'ok' }));
  return app;
}

function toPacaError(error: FastifyError | PacaError, bodyLimitBytes: number): PacaError {
  if (isPacaError(error)) return error;
  const fastifyError = error as FastifyError & { validation?: unknown[]; validationContext?: string };
  if (fastifyError.validation) {
    return validationError(fastifyError.validation as never, fastifyError.validationContext);
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return UnsupportedMediaType({});
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return PayloadTooLarge({ limit_bytes: bodyLimitBytes });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return BadRequest({}, { message: fastifyError.message });
  }
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) return BadRequest({}, { message: 'request body is not valid JSON' });
  if (fastifyError.statusCode === 413) return PayloadTooLarge({ limit_bytes: bodyLimitBytes });
  if (fastifyError.statusCode === 415) return UnsupportedMediaType({});
  // Safety nets for input the schemas let through but PostgreSQL refuses: a value it cannot
  // store (SQLSTATE class 22: NUL bytes, out-of-range numbers, odd dates) is the client's error,
  // and a uniqueness race lost between check and insert is a conflict, not a crash.
  const sqlState = (error as { code?: unknown }).code;
  if (typeof sqlState === 'string' && /^22[0-9A-Z]{3}$/.test(sqlState)) {
    return ValidationFailed({ issues: [{ path: '', message: 'a value is not acceptable to the database (NUL character, out of range or malformed)' }] }, { cause: error });
  }
  if (sqlState === '23505') return Conflict({}, { cause: error });
  return InternalError({}, { cause: error });
}
