import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorEnvelope } from '../http/envelope.js';
import { NotFound } from '../http/kernel-errors.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';

export interface WebOptions {
  /** The built shell (`web-shell/dist`); null or missing = API only, `/` explains how to build it. */
  webDir: string | null;
  registry: PluginRegistry;
  /** Origins the page may talk to besides itself (object storage for presigned uploads and downloads). */
  connectOrigins: string[];
}

/** Paths that belong to the API and never fall back to the shell. */
const API_PREFIXES = ['/api/', '/ws/', '/mcp'];
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The web shell (DESIGN 6): its built files, the shared vendor modules of the import map, each
 * serving plugin's web folder at `/plugins/<id>/…`, and the SPA fallback (`index.html` for any
 * other GET a browser makes), with security headers on the page.
 */
export async function registerWebRoutes(app: FastifyInstance, options: WebOptions): Promise<void> {
  const webDir = options.webDir && existsSync(path.join(options.webDir, 'index.html')) ? options.webDir : null;
  // preCompressed: the build writes .br and .gz beside each script and stylesheet
  // (web-shell/precompress.mjs); a browser that accepts one gets it, with Vary: Accept-Encoding.
  await app.register(fastifyStatic, { root: webDir ?? process.cwd(), serve: false, preCompressed: true });
  // Re-read when a rebuild replaces index.html (its asset names change with each build).
  let page: { html: string; csp: string; mtimeMs: number } | null = null;
  const currentPage = () => {
    const file = path.join(webDir!, 'index.html');
    const mtimeMs = statSync(file).mtimeMs;
    if (page?.mtimeMs !== mtimeMs) page = { ...shellPage(file, options.connectOrigins), mtimeMs };
    return page;
  };

  const notFound = (request: FastifyRequest, reply: FastifyReply) =>
    reply.code(404).send(errorEnvelope(NotFound({}, { message: `no route for ${request.method} ${request.url.split('?')[0]}` }), request.id));

  // A plugin's web module and styles: only from the folder of its declared entry, only while it serves.
  app.get('/plugins/:pluginId/*', { schema: { hide: true } }, (request, reply) => {
    const { pluginId, '*': rest } = request.params as { pluginId: string; '*': string };
    const record = options.registry.get(pluginId);
    const entry = record?.status === 'active' && record.enabled && record.dir ? record.manifest?.web?.entry : undefined;
    if (!entry || !record?.dir) return notFound(request, reply);
    const folder = path.posix.dirname(entry);
    const prefix = folder === '.' ? '' : `${folder}/`;
    if (!rest.startsWith(prefix) || rest.includes('..') || rest.includes('\\')) return notFound(request, reply);
    const file = rest.slice(prefix.length);
    const root = path.join(record.dir, folder);
    if (!isFile(path.join(root, file))) return notFound(request, reply);
    // Rebuilt in place, same name: browsers revalidate (ETag) on every load.
    return reply.header('cache-control', 'no-cache').sendFile(file, root, { cacheControl: false });
  });

  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    const pathname = decodeURIComponent(request.url.split('?')[0] ?? '/');
    if (API_PREFIXES.some((prefix) => pathname.startsWith(prefix)) || pathname === '/api') return notFound(request, reply);
    if (!webDir || !isFile(path.join(webDir, 'index.html'))) {
      return reply.code(503).type('text/plain; charset=utf-8')
        .send('The web shell is not built. Run `npm run build` (or `npm start`, which builds it when missing).\nThe API is at /api/v1 and its reference at /api/docs.\n');
    }
    const relative = pathname.replace(/^\/+/, '');
    if (relative && relative !== 'index.html' && !relative.includes('..') && isFile(path.join(webDir, relative))) {
      // Hashed assets and versioned vendor files never change under their name.
      const immutable = relative.startsWith('assets/') || relative.startsWith('vendor/');
      return reply.header('cache-control', immutable ? IMMUTABLE : 'no-cache').sendFile(relative, webDir, { cacheControl: false });
    }
    // A file-looking path that does not exist is a 404, not the app (a missing chunk must fail loudly).
    if (/\.[a-z0-9]{1,8}$/i.test(relative)) return notFound(request, reply);
    const { html, csp } = currentPage();
    return reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', csp)
      .header('x-frame-options', 'DENY')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .type('text/html; charset=utf-8')
      .send(pathname.startsWith('/projects/') ? withPluginPreloads(html, options.registry) : html);
  });
}

/**
 * A project page renders plugin slots, whose modules the shell would only discover after its
 * session and project requests: hinting them in the page lets the browser fetch and compile them
 * meanwhile (the board's start-up, D35). Signed-out pages such as /login get no hints.
 */
function withPluginPreloads(html: string, registry: PluginRegistry): string {
  const links = registry.serving()
    .filter((record) => record.manifest?.web)
    .map((record) => `<link rel="modulepreload" href="/plugins/${record.id}/${record.manifest!.web!.entry}">`);
  return links.length ? html.replace('</head>', `${links.join('')}</head>`) : html;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The shell's HTML and a CSP allowing exactly its inline scripts (the import map) by hash. */
function shellPage(indexFile: string, connectOrigins: string[]): { html: string; csp: string } {
  const html = readFileSync(indexFile, 'utf8');
  const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)]
    .map((m) => `'sha256-${createHash('sha256').update(m[1] ?? '').digest('base64')}'`);
  const extra = connectOrigins.join(' ');
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${hashes.join(' ')}`.trim(),
    // Vue style bindings and the editor set style attributes.
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob: ${extra}`.trim(),
    `connect-src 'self' ${extra}`.trim(),
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
  return { html, csp };
}
