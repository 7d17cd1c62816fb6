import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, connect, isIP, type Socket } from 'node:net';
import tls from 'node:tls';

/** What a guest asks for (ABI `http.fetch`). */
export interface FetchRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface FetchResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A refusal the guest receives as `{ok:false, error}` (D23: these codes reach the client if it fails the request). */
export class FetchRefused extends Error {
  constructor(readonly code: 'PLUGIN_HOST_NOT_ALLOWED' | 'VALIDATION_FAILED' | 'PLUGIN_HOST_CALL_FAILED' | 'PLUGIN_OUTPUT_TOO_LARGE', message: string) {
    super(message);
  }
}

export interface FetchOptions {
  /** Host names the manifest grants (`http:fetch:<host>`; `*.example.com` matches subdomains). */
  allowedHosts: readonly string[];
  /** Name → addresses. Injectable so tests can give a fake public name an address (STACK). */
  resolve?: (hostname: string) => Promise<Array<{ address: string; family: 4 | 6 }>>;
  /** Opens the connection to the pinned address. Injectable so tests can reach a loopback server. */
  dial?: (target: { address: string; port: number; hostname: string; tls: boolean }) => Socket;
  maxRedirects?: number;
  timeoutMs?: number;
  maxResponseBytes?: number;
}

// Loopback, private, link-local, CGNAT, multicast, documentation and other special ranges (both families).
const PRIVATE = new BlockList();
for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['2001:db8::', 32]] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** Whether an address must never be reached from a plugin (IPv4-mapped IPv6 checked as IPv4). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export function hostAllowed(hostname: string, allowed: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.startsWith('*.') ? host.endsWith(p.slice(1)) && host.length > p.length - 1 : host === p;
  });
}

const defaultResolve = async (hostname: string) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family as 4 | 6 }));

const defaultDial: NonNullable<FetchOptions['dial']> = ({ address, port, hostname, tls: secure }) =>
  secure ? tls.connect({ host: address, port, servername: isIP(hostname) ? undefined : hostname }) : connect(port, address);

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

/**
 * `http.fetch` for WASM plugins: only to hosts the manifest names; every hop (redirects included)
 * resolved once, refused when any answer is a private address, and connected to exactly the
 * address that was checked — so a DNS answer that changes between check and connect (rebinding)
 * cannot steer the request inside.
 */
export async function pluginFetch(request: FetchRequest, options: FetchOptions): Promise<FetchResponse> {
  const resolve = options.resolve ?? defaultResolve;
  const dial = options.dial ?? defaultDial;
  const maxRedirects = options.maxRedirects ?? 5;
  let url = parseUrl(request.url);
  let method = (request.method ?? 'GET').toUpperCase();
  let body = request.body;
  for (let hop = 0; ; hop++) {
    if (!hostAllowed(url.hostname, options.allowedHosts)) {
      throw new FetchRefused('PLUGIN_HOST_NOT_ALLOWED', `${url.hostname} is not in this plugin's http:fetch permissions`);
    }
    const address = await pinnedAddress(url.hostname, resolve);
    const response = await send(url, address, { method, headers: request.headers ?? {}, body }, dial, options);
    const location = response.headers.location;
    if (response.status >= 300 && response.status < 400 && location) {
      if (hop >= maxRedirects) throw new FetchRefused('PLUGIN_HOST_CALL_FAILED', `more than ${maxRedirects} redirects`);
      url = parseUrl(new URL(location, url).href);
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      continue;
    }
    return response;
  }
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FetchRefused('VALIDATION_FAILED', 'url is not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new FetchRefused('VALIDATION_FAILED', 'only http and https URLs can be fetched');
  if (url.username || url.password) throw new FetchRefused('VALIDATION_FAILED', 'credentials in URLs are not allowed');
  return url;
}

async function pinnedAddress(hostname: string, resolve: NonNullable<FetchOptions['resolve']>): Promise<string> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  let answers: Array<{ address: string }>;
  try {
    answers = isIP(bare) ? [{ address: bare }] : await resolve(bare);
  } catch {
    throw new FetchRefused('PLUGIN_HOST_CALL_FAILED', `${hostname} could not be resolved`);
  }
  if (answers.length === 0) throw new FetchRefused('PLUGIN_HOST_CALL_FAILED', `${hostname} has no address`);
  // Any private answer refuses the name: an attacker controlling the zone could rotate it in later.
  if (answers.some((a) => isPrivateAddress(a.address))) throw new FetchRefused('PLUGIN_HOST_NOT_ALLOWED', `${hostname} resolves to a private address`);
  return answers[0]!.address;
}

function send(url: URL, address: string, request: { method: string; headers: Record<string, string>; body?: string }, dial: NonNullable<FetchOptions['dial']>,
  options: FetchOptions): Promise<FetchResponse> {
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (!HOP_BY_HOP.has(name.toLowerCase())) headers[name] = String(value);
  const limit = options.maxResponseBytes ?? 5 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const client = secure ? https : http;
    const outgoing = client.request({
      method: request.method, host: url.hostname, port, path: `${url.pathname}${url.search}`, headers,
      timeout: options.timeoutMs ?? 10_000,
      // No agent: every request gets the connection dialled to the pinned address, never a pooled one.
      createConnection: () => dial({ address, port, hostname: url.hostname, tls: secure }),
    }, (incoming) => {
      const chunks: Buffer[] = [];
      let size = 0;
      incoming.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          incoming.destroy();
          reject(new FetchRefused('PLUGIN_OUTPUT_TOO_LARGE', `the response is larger than ${limit} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      incoming.on('end', () => {
        const responseHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(incoming.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name)) responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        resolve({ status: incoming.statusCode ?? 0, headers: responseHeaders, body: Buffer.concat(chunks).toString('utf8') });
      });
      incoming.on('error', () => reject(new FetchRefused('PLUGIN_HOST_CALL_FAILED', `reading the answer of ${url.hostname} failed`)));
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
    outgoing.on('error', () => reject(new FetchRefused('PLUGIN_HOST_CALL_FAILED', `${url.hostname} could not be reached`)));
    if (request.body !== undefined) outgoing.write(request.body);
    outgoing.end();
  });
}
