// The measured scenarios. Each one prepares what it needs through the public API (never the
// database), then describes its request as autocannon options. `baseline` targets the bare
// Fastify server; every other scenario targets the kernel.

export const ADMIN_USERNAME = 'admin';
export const ADMIN_PASSWORD = 'bench-admin-password-0123';
const USER_PASSWORD = 'bench-user-password-0123';

/** Calls the kernel API during setup (not measured). Throws unless the status is the expected one. */
export async function api(baseUrl, method, path, { token, body, expect = [200, 201, 204] } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!expect.includes(response.status)) {
    throw new Error(`${method} ${path} → ${response.status} ${text.slice(0, 300)}`);
  }
  return json;
}

export async function login(baseUrl, username, password) {
  return (await api(baseUrl, 'POST', '/api/v1/auth/login', { body: { username, password } })).data.access_token;
}

let userCounter = 0;

/** A USER created by the admin, its first-login password change done, signed in. */
export async function createUser(baseUrl, adminToken, prefix) {
  const username = `${prefix}${(++userCounter).toString(36)}_${Math.random().toString(36).slice(2, 7)}`;
  const firstPassword = `${USER_PASSWORD}-first`;
  await api(baseUrl, 'POST', '/api/v1/admin/users', { token: adminToken, body: { username, password: firstPassword, full_name: username } });
  const pending = await login(baseUrl, username, firstPassword);
  const changed = await api(baseUrl, 'PATCH', '/api/v1/users/me/password', {
    token: pending, body: { current_password: firstPassword, new_password: USER_PASSWORD },
  });
  return { username, token: changed.data.access_token };
}

/** A project made by the admin with a fresh USER as its Editor. */
async function editorOfProject(kernelUrl, adminToken, tag) {
  const project = (await api(kernelUrl, 'POST', '/api/v1/projects', { token: adminToken, body: { name: projectName(Date.now() % 100000, tag) } })).data;
  const roles = (await api(kernelUrl, 'GET', `/api/v1/projects/${project.id}/roles`, { token: adminToken })).data.items;
  const editorRole = roles.find((r) => r.name === 'Editor');
  const editor = await createUser(kernelUrl, adminToken, `bench_${tag}`);
  const me = (await api(kernelUrl, 'GET', '/api/v1/users/me', { token: editor.token })).data;
  await api(kernelUrl, 'POST', `/api/v1/projects/${project.id}/members`, { token: adminToken, body: { user_id: me.id, role_ids: [editorRole.id] } });
  return { projectId: project.id, editor };
}

async function inBatches(count, size, make) {
  const out = [];
  for (let i = 0; i < count; i += size) {
    out.push(...await Promise.all(Array.from({ length: Math.min(size, count - i) }, (_, j) => make(i + j))));
  }
  return out;
}

// Project names with varied initials, so derived task-id prefixes (D8) spread like real names do.
const WORDS = ['Apollo', 'Beacon', 'Cobalt', 'Delta', 'Ember', 'Falcon', 'Granite', 'Harbor', 'Indigo', 'Juniper',
  'Kestrel', 'Lumen', 'Meridian', 'Nimbus', 'Orchid', 'Pioneer', 'Quartz', 'Raven', 'Summit', 'Tundra',
  'Umber', 'Vertex', 'Willow', 'Xenon', 'Yarrow', 'Zephyr'];
function projectName(n, tag) {
  const a = WORDS[Math.floor(Math.random() * WORDS.length)];
  const b = WORDS[Math.floor(Math.random() * WORDS.length)];
  return `${a} ${b} ${tag} ${n}`;
}

const LIST_SEED_PROJECTS = 50;
const CREATORS_PER_RUN = 20;

/**
 * `latencyRate` is the fixed offered rate of the latency runs: D34's 200 req/s unless the scenario
 * cannot sustain it on a backend of this 2-core machine, then a lower fixed rate (per backend when
 * they differ) and `latencyRateWhy` says why. The rates are fixed, not searched at run time, so runs
 * stay comparable; the throughput runs show each scenario's capacity next to them.
 */
export const SCENARIOS = {
  baseline: {
    server: 'raw',
    title: 'Bare Fastify route (baseline)',
    request: { method: 'GET', path: '/raw' },
    setupText: 'A bare Fastify server (the kernel\'s fastify version, logger off) with one route answering {"status":"ok"}.',
    latencyRate: 200,
    async setup({ rawUrl }) {
      return { target: () => ({ url: `${rawUrl}/raw` }) };
    },
  },

  healthz: {
    server: 'kernel',
    title: 'Kernel health check',
    request: { method: 'GET', path: '/api/healthz' },
    setupText: 'The kernel\'s whole Fastify stack (request id, CORS, cookies, error mapping) on a route that touches no database.',
    latencyRate: 200,
    async setup({ kernelUrl }) {
      return { target: () => ({ url: `${kernelUrl}/api/healthz` }) };
    },
  },

  'list-projects': {
    server: 'kernel',
    title: 'List projects',
    request: { method: 'GET', path: '/api/v1/projects', auth: 'Bearer token of a USER' },
    setupText: `A USER (not an admin) who created ${LIST_SEED_PROJECTS} projects, so holds the project Admin role in each; lists page 1 (page_size 20, total ${LIST_SEED_PROJECTS}).`,
    latencyRate: { pglite: 100, postgres: 200 },
    latencyRateWhy: {
      pglite: 'one connection to PostgreSQL-in-WASM inside the kernel process: saturates near 200 req/s here, so 200 req/s would measure queueing',
    },
    async setup({ kernelUrl, adminToken }) {
      const user = await createUser(kernelUrl, adminToken, 'bench_lister');
      for (let i = 0; i < LIST_SEED_PROJECTS; i++) {
        await api(kernelUrl, 'POST', '/api/v1/projects', { token: user.token, body: { name: projectName(i, 'seed') } });
      }
      const page = await api(kernelUrl, 'GET', '/api/v1/projects', { token: user.token });
      if (page.data.total !== LIST_SEED_PROJECTS || page.data.items.length !== 20) {
        throw new Error(`list-projects setup: expected ${LIST_SEED_PROJECTS} projects, got ${JSON.stringify(page.data).slice(0, 200)}`);
      }
      return {
        target: () => ({ url: `${kernelUrl}/api/v1/projects`, headers: { authorization: `Bearer ${user.token}` } }),
      };
    },
  },

  'create-project': {
    server: 'kernel',
    title: 'Create project',
    request: { method: 'POST', path: '/api/v1/projects', auth: 'Bearer token of a USER', body: '{"name": <unique per request>}' },
    setupText: `Each run (and the warm-up) gets ${CREATORS_PER_RUN} fresh USERs, used round-robin, so no creator accumulates more than a run's worth of projects (the kernel loads all of a principal's role attachments on every request). Names are unique per request; the task-id prefix is derived from the name (D8). The projects table grows across runs.`,
    latencyRate: { pglite: 50, postgres: 100 },
    latencyRateWhy: {
      pglite: 'saturates well below 200 req/s on PGlite here',
      postgres: 'saturates not far above 200 req/s here (kernel, PostgreSQL and load generator share 2 cores), so 200 req/s would measure queueing',
    },
    async setup({ kernelUrl, adminToken }) {
      const state = { tokens: [], counter: 0 };
      state.beforeRun = async () => {
        const users = await inBatches(CREATORS_PER_RUN, 4, () => createUser(kernelUrl, adminToken, 'bench_creator'));
        state.tokens = users.map((u) => u.token);
      };
      state.target = () => {
        const tag = Date.now().toString(36);
        return {
          url: kernelUrl,
          requests: [{
            method: 'POST',
            path: '/api/v1/projects',
            setupRequest(request) {
              const n = state.counter++;
              request.headers = { ...request.headers, 'content-type': 'application/json', authorization: `Bearer ${state.tokens[n % state.tokens.length]}` };
              request.body = JSON.stringify({ name: projectName(n, tag) });
              return request;
            },
          }],
        };
      };
      return state;
    },
  },

  // The plugin host's cost: the same caller reads a project through a kernel route and through a
  // plugin route (bench/plugins/bench-notes, installed from DATA_DIR/plugins). The plugin route adds
  // the manifest gate and the role grants of D16 (the Editor holds bench_notes:read only through them).
  'kernel-project-read': {
    server: 'kernel',
    title: 'Kernel route: project members',
    request: { method: 'GET', path: '/api/v1/projects/:projectId/members', auth: 'Bearer token of a project Editor' },
    setupText: 'A USER who is Editor (and nothing else) of one project with 2 members lists its members (cursor page, 2 items).',
    latencyRate: { pglite: 100, postgres: 200 },
    latencyRateWhy: { pglite: 'one connection to PostgreSQL-in-WASM: 200 req/s would measure queueing' },
    async setup({ kernelUrl, adminToken }) {
      const { projectId, editor } = await editorOfProject(kernelUrl, adminToken, 'members');
      return { target: () => ({ url: `${kernelUrl}/api/v1/projects/${projectId}/members`, headers: { authorization: `Bearer ${editor.token}` } }) };
    },
  },

  'plugin-project-read': {
    server: 'kernel',
    title: 'Plugin route: list notes',
    request: { method: 'GET', path: '/api/v1/plugins/bench-notes/projects/:projectId/notes', auth: 'Bearer token of a project Editor' },
    setupText: 'bench-notes, a native plugin installed in DATA_DIR/plugins: its route, migration and role grants go through the plugin host. A USER who is Editor of one project (bench_notes:read only via the Editor role grant) lists 20 of the project\'s 20 notes.',
    latencyRate: { pglite: 100, postgres: 200 },
    latencyRateWhy: { pglite: 'one connection to PostgreSQL-in-WASM: 200 req/s would measure queueing' },
    async setup({ kernelUrl, adminToken }) {
      const { projectId, editor } = await editorOfProject(kernelUrl, adminToken, 'notes');
      const url = `${kernelUrl}/api/v1/plugins/bench-notes/projects/${projectId}/notes`;
      for (let i = 0; i < 20; i++) await api(kernelUrl, 'POST', `/api/v1/plugins/bench-notes/projects/${projectId}/notes`, { token: editor.token, body: { text: `note ${i}` } });
      const page = await api(kernelUrl, 'GET', `/api/v1/plugins/bench-notes/projects/${projectId}/notes`, { token: editor.token });
      if (page.data.items.length !== 20) throw new Error(`plugin-project-read setup: expected 20 notes, got ${page.data.items.length}`);
      return { target: () => ({ url, headers: { authorization: `Bearer ${editor.token}` } }) };
    },
  },

  login: {
    server: 'kernel',
    title: 'Login (argon2id)',
    request: { method: 'POST', path: '/api/v1/auth/login', body: '{"username","password"} of the bootstrap admin' },
    setupText: 'Password login of the bootstrap admin: one argon2id verification at the production cost (m=19456 KiB, t=2, p=1) plus a new session row per request. CPU-bound by design. AUTH_RATE_LIMIT_PER_MINUTE=0.',
    latencyRate: 20,
    latencyRateWhy: 'argon2id at production cost is CPU-bound: this machine manages well under 200 logins/s',
    async setup({ kernelUrl }) {
      return {
        target: () => ({
          url: `${kernelUrl}/api/v1/auth/login`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD }),
        }),
      };
    },
  },
};

export const SCENARIO_ORDER = ['baseline', 'healthz', 'list-projects', 'create-project', 'login', 'kernel-project-read', 'plugin-project-read'];

/** A fresh user (named `<prefix>_…`) made an Editor of the project: `{token, memberId}`. */
export async function addProjectEditor(kernelUrl, adminToken, projectId, prefix) {
  const roles = (await api(kernelUrl, 'GET', `/api/v1/projects/${projectId}/roles`, { token: adminToken })).data.items;
  const editor = await createUser(kernelUrl, adminToken, prefix);
  const me = (await api(kernelUrl, 'GET', '/api/v1/users/me', { token: editor.token })).data;
  const member = (await api(kernelUrl, 'POST', `/api/v1/projects/${projectId}/members`, {
    token: adminToken, body: { user_id: me.id, role_ids: [roles.find((r) => r.name === 'Editor').id] },
  })).data;
  return { token: editor.token, memberId: member.id };
}

/** PGlite's fixed offered rate for plugin scenarios, and why it is not 200 req/s (D34). */
export const PGLITE_RATE = 25;
export const PGLITE_RATE_WHY = 'one connection to PostgreSQL-in-WASM: these requests saturate it at a few dozen per second on this machine, so 200 req/s would measure queueing';
