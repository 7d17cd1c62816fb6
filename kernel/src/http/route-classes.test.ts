import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKernel, type TestKernel, type TestUser } from '../testing/index.js';

/*
 * D33: every route the server answers is listed here, literally, in exactly one class. A new route
 * that is not classified fails the first test; a route whose behaviour does not match its class
 * fails the others.
 *   public         — works without credentials
 *   authenticated  — 401 without credentials; any principal (even one with no roles) gets in
 *   gated          — 401 without credentials; 403 for a principal with no roles
 */
const ROUTE_CLASSES: Record<string, 'public' | 'authenticated' | 'gated'> = {
  'OPTIONS *': 'public',
  'GET /api/healthz': 'public',
  'GET /api/docs': 'public',
  'GET /api/docs/json': 'public',
  'GET /api/docs/yaml': 'public',
  'GET /api/docs/static/index.html': 'public',
  'GET /api/docs/static/swagger-initializer.js': 'public',
  'GET /api/docs/static/*': 'public',
  // The web shell and plugins' web modules: static files and the SPA page, no data (DESIGN 6)
  'GET /plugins/:pluginId/*': 'public',
  'GET /*': 'public',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/refresh': 'public',
  'POST /api/v1/auth/logout': 'public',
  // fs storage's presigned URLs: the signature is the authorisation (D6 exempt, D12)
  'PUT /api/v1/storage/objects/*': 'public',
  'GET /api/v1/storage/objects/*': 'public',
  'GET /api/v1/users/me': 'authenticated',
  'PATCH /api/v1/users/me': 'authenticated',
  'PATCH /api/v1/users/me/password': 'authenticated',
  'GET /api/v1/users/me/global-permissions': 'authenticated',
  'GET /api/v1/users/me/api-keys': 'authenticated',
  'POST /api/v1/users/me/api-keys': 'authenticated',
  'DELETE /api/v1/users/me/api-keys/:keyId': 'authenticated',
  'GET /api/v1/roles/actions': 'authenticated',
  'GET /api/v1/projects': 'authenticated',
  'GET /api/v1/users/me/notifications': 'authenticated',
  'PATCH /api/v1/users/me/notifications/:notificationId/read': 'authenticated',
  'POST /api/v1/users/me/notifications/read-all': 'authenticated',
  'GET /api/v1/admin/users': 'gated',
  'GET /api/v1/admin/users/cursor': 'gated',
  'POST /api/v1/admin/users': 'gated',
  'GET /api/v1/admin/users/:userId': 'gated',
  'PATCH /api/v1/admin/users/:userId': 'gated',
  'PATCH /api/v1/admin/users/:userId/password': 'gated',
  'DELETE /api/v1/admin/users/:userId': 'gated',
  'GET /api/v1/admin/users/:userId/roles': 'gated',
  'PUT /api/v1/admin/users/:userId/roles': 'gated',
  'GET /api/v1/admin/roles': 'gated',
  'POST /api/v1/admin/roles': 'gated',
  'GET /api/v1/admin/roles/:roleId': 'gated',
  'PUT /api/v1/admin/roles/:roleId': 'gated',
  'DELETE /api/v1/admin/roles/:roleId': 'gated',
  'PUT /api/v1/admin/roles/:roleId/default': 'gated',
  'POST /api/v1/projects': 'gated',
  'GET /api/v1/projects/:projectId': 'gated',
  'PATCH /api/v1/projects/:projectId': 'gated',
  'DELETE /api/v1/projects/:projectId': 'gated',
  'GET /api/v1/projects/:projectId/activities': 'gated',
  'GET /api/v1/projects/:projectId/roles': 'gated',
  'GET /api/v1/projects/:projectId/roles/actions': 'gated',
  'POST /api/v1/projects/:projectId/roles': 'gated',
  'GET /api/v1/projects/:projectId/roles/:roleId': 'gated',
  'PUT /api/v1/projects/:projectId/roles/:roleId': 'gated',
  'DELETE /api/v1/projects/:projectId/roles/:roleId': 'gated',
  'GET /api/v1/projects/:projectId/members': 'gated',
  'POST /api/v1/projects/:projectId/members': 'gated',
  'GET /api/v1/projects/:projectId/members/me/permissions': 'gated',
  'PATCH /api/v1/projects/:projectId/members/:memberId': 'gated',
  'DELETE /api/v1/projects/:projectId/members/:memberId': 'gated',
  'GET /api/v1/projects/:projectId/members/:memberId/roles': 'gated',
  'PUT /api/v1/projects/:projectId/members/:memberId/roles': 'gated',
  'GET /api/v1/projects/:projectId/agents': 'gated',
  'POST /api/v1/projects/:projectId/agents': 'gated',
  'GET /api/v1/projects/:projectId/agents/:agentId': 'gated',
  'PATCH /api/v1/projects/:projectId/agents/:agentId': 'gated',
  'DELETE /api/v1/projects/:projectId/agents/:agentId': 'gated',
  'GET /api/v1/projects/:projectId/agents/:agentId/api-keys': 'gated',
  'POST /api/v1/projects/:projectId/agents/:agentId/api-keys': 'gated',
  'DELETE /api/v1/projects/:projectId/agents/:agentId/api-keys/:keyId': 'gated',
  'GET /api/v1/admin/agents': 'gated',
  'POST /api/v1/admin/agents': 'gated',
  'GET /api/v1/admin/agents/:agentId': 'gated',
  'PATCH /api/v1/admin/agents/:agentId': 'gated',
  'DELETE /api/v1/admin/agents/:agentId': 'gated',
  'GET /api/v1/admin/agents/:agentId/roles': 'gated',
  'PUT /api/v1/admin/agents/:agentId/roles': 'gated',
  'GET /api/v1/admin/agents/:agentId/api-keys': 'gated',
  'POST /api/v1/admin/agents/:agentId/api-keys': 'gated',
  'DELETE /api/v1/admin/agents/:agentId/api-keys/:keyId': 'gated',
  'GET /api/v1/plugins': 'authenticated',
  'GET /api/v1/mcp/tools': 'authenticated',
  'POST /api/v1/mcp/tools/:name/call': 'authenticated',
  // MCP over Streamable HTTP (D31): a key or bearer token, never the cookie; stateless, so GET and DELETE answer 405
  'POST /mcp': 'authenticated',
  'GET /mcp': 'authenticated',
  'DELETE /mcp': 'authenticated',
  'GET /api/v1/admin/plugins': 'gated',
  'GET /api/v1/admin/plugins/:pluginId': 'gated',
  'PATCH /api/v1/admin/plugins/:pluginId': 'gated',
  'DELETE /api/v1/admin/plugins/:pluginId': 'gated',
  'GET /api/v1/admin/plugins/:pluginId/secrets': 'gated',
  'PUT /api/v1/admin/plugins/:pluginId/secrets/:key': 'gated',
  'DELETE /api/v1/admin/plugins/:pluginId/secrets/:key': 'gated',
  'GET /api/v1/projects/:projectId/plugins': 'gated',
  'PUT /api/v1/projects/:projectId/plugins/:pluginId': 'gated',
  // the tasks plugin (core-plugins/tasks), mounted through the plugin host
  'GET /api/v1/projects/:projectId/task-types': 'gated',
  'POST /api/v1/projects/:projectId/task-types': 'gated',
  'PATCH /api/v1/projects/:projectId/task-types/:typeId': 'gated',
  'DELETE /api/v1/projects/:projectId/task-types/:typeId': 'gated',
  'PUT /api/v1/projects/:projectId/task-types/:typeId/set-default': 'gated',
  'GET /api/v1/projects/:projectId/task-statuses': 'gated',
  'POST /api/v1/projects/:projectId/task-statuses': 'gated',
  'PUT /api/v1/projects/:projectId/task-statuses/positions': 'gated',
  'PATCH /api/v1/projects/:projectId/task-statuses/:statusId': 'gated',
  'DELETE /api/v1/projects/:projectId/task-statuses/:statusId': 'gated',
  'PUT /api/v1/projects/:projectId/task-statuses/:statusId/set-default': 'gated',
  'GET /api/v1/projects/:projectId/custom-fields': 'gated',
  'POST /api/v1/projects/:projectId/custom-fields': 'gated',
  'GET /api/v1/projects/:projectId/custom-fields/:fieldId': 'gated',
  'PATCH /api/v1/projects/:projectId/custom-fields/:fieldId': 'gated',
  'DELETE /api/v1/projects/:projectId/custom-fields/:fieldId': 'gated',
  'GET /api/v1/projects/:projectId/tasks': 'gated',
  'POST /api/v1/projects/:projectId/tasks': 'gated',
  'GET /api/v1/projects/:projectId/tasks/by-number/:taskNumber': 'gated',
  'GET /api/v1/projects/:projectId/tasks/:taskId': 'gated',
  'GET /api/v1/projects/:projectId/tasks/:taskId/context': 'gated',
  'PATCH /api/v1/projects/:projectId/tasks/:taskId': 'gated',
  'DELETE /api/v1/projects/:projectId/tasks/:taskId': 'gated',
  'GET /api/v1/users/me/tasks': 'authenticated',
  'GET /api/v1/projects/:projectId/tasks/:taskId/activities': 'gated',
  'POST /api/v1/projects/:projectId/tasks/:taskId/activities/comments': 'gated',
  'PATCH /api/v1/projects/:projectId/tasks/:taskId/activities/comments/:commentId': 'gated',
  'DELETE /api/v1/projects/:projectId/tasks/:taskId/activities/comments/:commentId': 'gated',
  'POST /api/v1/projects/:projectId/tasks/:taskId/activities/:activityId/revert': 'gated',
  'GET /api/v1/projects/:projectId/tasks/:taskId/links': 'gated',
  'POST /api/v1/projects/:projectId/tasks/:taskId/links': 'gated',
  'DELETE /api/v1/projects/:projectId/tasks/:taskId/links/:linkId': 'gated',
  'GET /api/v1/projects/:projectId/tasks/:taskId/attachments': 'gated',
  'POST /api/v1/projects/:projectId/tasks/:taskId/attachments/initiate-upload': 'gated',
  'POST /api/v1/projects/:projectId/tasks/:taskId/attachments/complete-upload': 'gated',
  'GET /api/v1/projects/:projectId/tasks/:taskId/attachments/:attachmentId/download-url': 'gated',
  'GET /api/v1/projects/:projectId/tasks/:taskId/attachments/:attachmentId/content': 'gated',
  'GET /api/v1/projects/:projectId/tasks/:taskId/attachments/:attachmentId/read': 'gated',
  'DELETE /api/v1/projects/:projectId/tasks/:taskId/attachments/:attachmentId': 'gated',
  'GET /api/v1/projects/:projectId/views': 'gated',
  'POST /api/v1/projects/:projectId/views': 'gated',
  'PUT /api/v1/projects/:projectId/views/positions': 'gated',
  'GET /api/v1/projects/:projectId/views/:viewId': 'gated',
  'PATCH /api/v1/projects/:projectId/views/:viewId': 'gated',
  'DELETE /api/v1/projects/:projectId/views/:viewId': 'gated',
  'PUT /api/v1/projects/:projectId/views/:viewId/config': 'gated',
  'DELETE /api/v1/projects/:projectId/views/:viewId/config': 'gated',
  'GET /api/v1/projects/:projectId/views/:viewId/task-positions': 'gated',
  'PUT /api/v1/projects/:projectId/views/:viewId/task-positions': 'gated',
  'PUT /api/v1/projects/:projectId/views/:viewId/task-positions/:taskId': 'gated',
  // the sprints plugin (core-plugins/sprints)
  'GET /api/v1/projects/:projectId/sprints': 'gated',
  'POST /api/v1/projects/:projectId/sprints': 'gated',
  'GET /api/v1/projects/:projectId/sprints/velocity': 'gated',
  'GET /api/v1/projects/:projectId/sprints/:sprintId': 'gated',
  'PATCH /api/v1/projects/:projectId/sprints/:sprintId': 'gated',
  'DELETE /api/v1/projects/:projectId/sprints/:sprintId': 'gated',
  'POST /api/v1/projects/:projectId/sprints/:sprintId/start': 'gated',
  'POST /api/v1/projects/:projectId/sprints/:sprintId/complete': 'gated',
  'GET /api/v1/projects/:projectId/sprints/:sprintId/burndown': 'gated',
  'POST /api/v1/projects/:projectId/sprints/:sprintId/tasks': 'gated',
  'POST /api/v1/projects/:projectId/product-backlog/tasks': 'gated',
  // the docs plugin (core-plugins/docs)
  'GET /api/v1/projects/:projectId/docs/folders': 'gated',
  'POST /api/v1/projects/:projectId/docs/folders': 'gated',
  'PATCH /api/v1/projects/:projectId/docs/folders/:folderId': 'gated',
  'DELETE /api/v1/projects/:projectId/docs/folders/:folderId': 'gated',
  'GET /api/v1/projects/:projectId/docs': 'gated',
  'POST /api/v1/projects/:projectId/docs': 'gated',
  'GET /api/v1/projects/:projectId/docs/search': 'gated',
  'GET /api/v1/projects/:projectId/docs/tree': 'gated',
  'GET /api/v1/projects/:projectId/docs/by-path': 'gated',
  'PUT /api/v1/projects/:projectId/docs/by-path': 'gated',
  'DELETE /api/v1/projects/:projectId/docs/by-path': 'gated',
  'POST /api/v1/projects/:projectId/docs/move': 'gated',
  'GET /api/v1/projects/:projectId/docs/:docId': 'gated',
  'PATCH /api/v1/projects/:projectId/docs/:docId': 'gated',
  'DELETE /api/v1/projects/:projectId/docs/:docId': 'gated',
  'GET /api/v1/projects/:projectId/docs/:docId/snapshots': 'gated',
  'GET /api/v1/projects/:projectId/docs/:docId/snapshots/:number': 'gated',
  'GET /api/v1/projects/:projectId/docs/:docId/snapshots/:a/diff/:b': 'gated',
  'POST /api/v1/projects/:projectId/docs/:docId/snapshots/:number/restore': 'gated',
  'GET /api/v1/projects/:projectId/docs/:docId/activities': 'gated',
  'POST /api/v1/projects/:projectId/docs/:docId/comments': 'gated',
  'PATCH /api/v1/projects/:projectId/docs/:docId/comments/:commentId': 'gated',
  'DELETE /api/v1/projects/:projectId/docs/:docId/comments/:commentId': 'gated',
  'GET /api/v1/projects/:projectId/docs/:docId/files': 'gated',
  'POST /api/v1/projects/:projectId/docs/:docId/files/initiate-upload': 'gated',
  'POST /api/v1/projects/:projectId/docs/:docId/files/complete-upload': 'gated',
  'GET /api/v1/projects/:projectId/docs/:docId/files/:fileId/download-url': 'gated',
  'DELETE /api/v1/projects/:projectId/docs/:docId/files/:fileId': 'gated',
  // the checklist plugin (core-plugins/checklist, WASM)
  'GET /api/v1/plugins/checklist/projects/:projectId/tasks/:taskId/checklists': 'gated',
  'POST /api/v1/plugins/checklist/projects/:projectId/tasks/:taskId/checklists': 'gated',
  'PATCH /api/v1/plugins/checklist/projects/:projectId/tasks/:taskId/checklists/:checklistId': 'gated',
  'DELETE /api/v1/plugins/checklist/projects/:projectId/tasks/:taskId/checklists/:checklistId': 'gated',
  'POST /api/v1/plugins/checklist/projects/:projectId/tasks/:taskId/checklists/:checklistId/items': 'gated',
  'PATCH /api/v1/plugins/checklist/projects/:projectId/tasks/:taskId/checklists/:checklistId/items/:itemId': 'gated',
  'DELETE /api/v1/plugins/checklist/projects/:projectId/tasks/:taskId/checklists/:checklistId/items/:itemId': 'gated',
  'POST /api/v1/plugins/checklist/projects/:projectId/tasks/:taskId/checklists/:checklistId/items/:itemId/move': 'gated',
  // the bdd plugin (core-plugins/bdd, WASM)
  'GET /api/v1/plugins/bdd/projects/:projectId/tasks/:taskId/scenarios': 'gated',
  'POST /api/v1/plugins/bdd/projects/:projectId/tasks/:taskId/scenarios': 'gated',
  'GET /api/v1/plugins/bdd/projects/:projectId/tasks/:taskId/scenarios/:scenarioId': 'gated',
  'PATCH /api/v1/plugins/bdd/projects/:projectId/tasks/:taskId/scenarios/:scenarioId': 'gated',
  'DELETE /api/v1/plugins/bdd/projects/:projectId/tasks/:taskId/scenarios/:scenarioId': 'gated',
  'GET /api/v1/plugins/bdd/projects/:projectId/tasks/:taskId/feature': 'gated',
};

/** `/mcp` keeps no sessions: a signed-in GET (an SSE stream to resume) is refused with 405, not served. */
const STATELESS_MCP = new Set(['GET /mcp']);

let t: TestKernel;
let nobody: TestUser;
let privateProjectId: string;

beforeAll(async () => {
  t = await startTestKernel();
  nobody = await t.createUser({ platformRoles: [] });
  const project = await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Private walk target' } });
  privateProjectId = project.json.data.id;
});
afterAll(() => t.close());

const key = (route: { method: string; url: string }) => `${route.method} ${route.url}`;

/** A concrete URL: the private project for :projectId, fresh UUIDs for the other parameters. */
function concrete(url: string): string {
  return url.replace(':projectId', privateProjectId).replace(/:[A-Za-z]+/g, () => randomUUID()).replace(/\*$/, 'index.css');
}

/** `t.api` puts `/api/v1` before paths outside `/api`; the others (`/mcp`, the shell) are called as they are. */
async function request(method: string, url: string, call: { body?: unknown; token?: string }): Promise<{ status: number; json: any }> {
  if (url.startsWith('/api')) return t.api(method as 'GET', url, call);
  const response = await t.kernel.app.inject({
    method: method as 'GET', url,
    headers: { ...(call.token ? { authorization: `Bearer ${call.token}` } : {}), ...(call.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(call.body === undefined ? {} : { payload: JSON.stringify(call.body) }),
  });
  let json: any = null;
  try {
    json = JSON.parse(response.body);
  } catch {
    // static files and the shell page are not JSON
  }
  return { status: response.statusCode, json };
}

describe('route classes (D33)', () => {
  it('classifies every route the server answers, and nothing else', () => {
    const served = t.kernel.httpRoutes.map(key).sort();
    expect(served).toEqual(Object.keys(ROUTE_CLASSES).sort());
  });

  it('agrees with the access each kernel route declares', () => {
    for (const record of t.kernel.routes) expect(record.access, key(record)).toBe(ROUTE_CLASSES[key(record)]);
  });

  const classified = Object.entries(ROUTE_CLASSES).filter(([k]) => !k.startsWith('OPTIONS'));

  it.each(classified)('%s behaves as %s', async (route, routeClass) => {
    const [method, url] = route.split(' ') as [string, string];
    const target = concrete(url);
    const body = method === 'GET' || method === 'DELETE' ? undefined : {};
    const anonymous = await request(method, target, { body });
    if (routeClass === 'public') {
      expect(anonymous.json?.error_code, 'public routes never ask for credentials').not.toBe('AUTH_UNAUTHENTICATED');
      expect(anonymous.status).toBeLessThan(500);
      return;
    }
    expect(anonymous.status, 'no credentials').toBe(401);
    expect(anonymous.json.error_code).toBe('AUTH_UNAUTHENTICATED');
    const withoutRoles = await request(method, target, { body, token: nobody.token });
    if (routeClass === 'gated') {
      expect(withoutRoles.status, 'principal with no roles').toBe(403);
      expect(withoutRoles.json.error_code).toBe('FORBIDDEN');
    } else {
      expect([401, 403], 'any principal gets through').not.toContain(withoutRoles.status);
      if (method === 'GET') expect(withoutRoles.status).toBe(STATELESS_MCP.has(route) ? 405 : 200);
    }
  });
});
