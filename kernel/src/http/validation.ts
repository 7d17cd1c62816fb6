import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { ValidationFailed } from './kernel-errors.js';

// ajv-formats is CommonJS; its default export sits one level down under NodeNext.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** The kernel's ajv: formats on, unknown fields kept (so `additionalProperties: false` rejects them). */
export function createAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    useDefaults: true,
    // Unknown fields are rejected by `additionalProperties: false`, never silently dropped (D2).
    removeAdditional: false,
    // Bodies are JSON and must carry the right types; query strings and path params are text.
    coerceTypes: coerce ? 'array' : false,
  });
  addFormats(ajv);
  // ajv-formats' uuid also accepts `urn:uuid:…`, which PostgreSQL refuses: one spelling only.
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  return ajv;
}

const bodyAjv = createAjv(false);
const textAjv = createAjv(true);

/** Fastify validator compiler: strict for bodies, coercing for query strings, params and headers. */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : textAjv;
  return ajv.compile(schema as object) as ValidateFunction;
};

const PART_PREFIX: Record<string, string> = { body: '', querystring: 'query', params: 'params', headers: 'headers' };

/** Turns ajv errors into the `issues` of a 422 `VALIDATION_FAILED` (D2). */
export function validationError(errors: ErrorObject[], context: string | undefined) {
  const prefix = PART_PREFIX[context ?? 'body'] ?? context ?? '';
  const seen = new Set<string>();
  const issues: Array<{ path: string; message: string }> = [];
  for (const error of errors) {
    const segments = error.instancePath.split('/').filter(Boolean).map(unescapePointer);
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'additionalProperties') {
      segments.push(String((error.params as { additionalProperty: string }).additionalProperty));
      message = 'is not an allowed field';
    } else if (error.keyword === 'required') {
      segments.push(String((error.params as { missingProperty: string }).missingProperty));
      message = 'is required';
    }
    const path = [prefix, ...segments].filter(Boolean).join('.');
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ path, message });
  }
  return ValidationFailed({ issues });
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
