import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isPacaError, type PacaError } from '@paca/plugin-sdk';
import { createPacaMcpServer, createRestBackend, PACA_MCP_VERSION } from '@paca/mcp';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticate.js';
import { errorEnvelope } from '../http/envelope.js';
import { Unauthenticated } from '../http/kernel-errors.js';

/** Where the backend's requests "go": they never leave the process (see {@link injectFetch}). */
const IN_PROCESS_BASE = 'http://kernel.internal';

/** Query parameters of `/mcp`: the same choices the stdio server takes from its environment. */
interface McpQuery {
  toolsets?: string;
  read_only?: string;
  project_id?: string;
}

/**
 * MCP over Streamable HTTP at `/mcp` (D31): stateless — each POST gets its own protocol server
 * built by `@paca/mcp`, the adapter the stdio server uses, over a backend whose `fetch` goes
 * through `app.inject` to `GET /mcp/tools` and `POST /mcp/tools/:name/call`. Both transports
 * therefore list and run tools through the same routes, as the same principal.
 *
 * Authenticated by a user or agent API key (`X-API-Key`, `Authorization: ApiKey …`) or a bearer
 * token; never by the session cookie, so no web page can drive it with a visitor's session.
 * `?toolsets=tasks,docs`, `?read_only=true` and `?project_id=<id|prefix|name>` (pin) narrow it.
 */
export function registerMcpEndpoint(app: FastifyInstance, deps: { authenticator: Authenticator }): void {
  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/mcp',
    schema: { hide: true },
    handler: async (request, reply) => {
      const headers = keyHeaders(request);
      const failure = await authenticationFailure(deps.authenticator, request, headers);
      if (failure) return reply.code(failure.status).header('www-authenticate', 'ApiKey').send(errorEnvelope(failure, request.id));
      // Stateless: no session to resume (GET) or end (DELETE).
      if (request.method !== 'POST') {
        return reply.code(405).header('allow', 'POST').send(jsonRpcError(-32000, '/mcp is stateless: POST JSON-RPC messages to it'));
      }

      const query = request.query as McpQuery;
      const backend = createRestBackend({ baseUrl: IN_PROCESS_BASE, headers, pinnedProject: query.project_id || null, fetch: injectFetch(app) });
      const server = createPacaMcpServer(backend, {
        version: PACA_MCP_VERSION,
        toolsets: query.toolsets ? query.toolsets.split(',').map((s) => s.trim()).filter(Boolean) : null,
        readOnly: query.read_only === 'true' || query.read_only === '1',
        logger: (message) => request.log.info({ mcp: true }, message),
      });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      await serve(reply, async () => {
        await server.connect(transport);
        await transport.handleRequest(request.raw, reply.raw, request.body);
      }, async () => {
        await transport.close();
        await server.close();
      });
    },
  });
}

/** Hands the raw response to the SDK's transport and closes the per-request server when it is done. */
async function serve(reply: FastifyReply, run: () => Promise<void>, close: () => Promise<void>): Promise<void> {
  reply.hijack();
  reply.raw.on('close', () => void close().catch(() => undefined));
  try {
    await run();
  } catch (error) {
    if (!reply.raw.headersSent) {
      reply.raw.writeHead(500, { 'content-type': 'application/json' });
      reply.raw.end(JSON.stringify(jsonRpcError(-32603, error instanceof Error ? error.message : 'internal error')));
    }
  }
}

/** The key headers of the request: the only credentials `/mcp` accepts, replayed on the tool routes. */
function keyHeaders(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  const authorization = request.headers.authorization;
  const apiKey = request.headers['x-api-key'];
  if (typeof authorization === 'string' && /^(bearer|apikey)\s+\S/i.test(authorization.trim())) headers.authorization = authorization;
  if (typeof apiKey === 'string' && apiKey) headers['x-api-key'] = apiKey;
  return headers;
}

/** A refused or missing key, with its own code (revoked, expired, invalid), before any MCP message is read. */
async function authenticationFailure(authenticator: Authenticator, request: FastifyRequest, headers: Record<string, string>): Promise<PacaError | null> {
  if (Object.keys(headers).length === 0) return Unauthenticated({}, { message: 'send a Paca API key or agent key in X-API-Key (cookies are not accepted on /mcp)' });
  try {
    // Only the key headers count here, as they are all the tool routes will see.
    const principal = await authenticator.authenticate({ headers, cookies: {} } as unknown as FastifyRequest);
    return principal ? null : Unauthenticated({});
  } catch (error) {
    return isPacaError(error) ? error : Unauthenticated({});
  }
}

function jsonRpcError(code: number, message: string) {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

/** A `fetch` that answers from the kernel itself through `app.inject`: no socket, same routes. */
export function injectFetch(app: FastifyInstance): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input.toString() : input.url);
    const response = await app.inject({
      method: (init.method ?? 'GET') as 'GET',
      url: url.pathname + url.search,
      headers: init.headers as Record<string, string>,
      ...(typeof init.body === 'string' ? { payload: init.body } : {}),
    });
    const contentType = response.headers['content-type'];
    return new Response(response.statusCode === 204 ? null : response.body, {
      status: response.statusCode,
      headers: typeof contentType === 'string' ? { 'content-type': contentType } : {},
    });
  }) as typeof fetch;
}
