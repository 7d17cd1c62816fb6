// The tasks plugin's scenarios (issue 5, D34): creating tasks, changing a task's status and
// listing a board of a 10,000-task project, beside a raw SQL read of the same rows. Projects,
// members and small task sets go through the public API; the 10,000 tasks are inserted by the
// bench-tasks plugin (bench/plugins/bench-tasks) in one statement, since 10,000 POSTs would make
// the set-up longer than the measurement.
import { addProjectEditor, api, PGLITE_RATE, PGLITE_RATE_WHY } from './scenarios.mjs';

const BOARD_TASKS = 10_000;
const BOARD_PAGE = 200;
const SPREAD_PROJECTS = 20;
const TASKS_PER_UPDATED_PROJECT = 100;

const DESCRIPTION = 'Steps to reproduce:\n\n1. open the board\n2. drag a card\n\n**Expected**: it stays where it was dropped.';

let projectCounter = 0;

/** A project made by the admin, with a fresh USER as its Editor (and nothing else). */
async function projectWithEditor(kernelUrl, adminToken, tag) {
  const name = `Bench ${tag} ${Date.now().toString(36)} ${(++projectCounter).toString(36)}`;
  const project = (await api(kernelUrl, 'POST', '/api/v1/projects', { token: adminToken, body: { name } })).data;
  return { projectId: project.id, ...await addEditor(kernelUrl, adminToken, project.id) };
}

const addEditor = (kernelUrl, adminToken, projectId) => addProjectEditor(kernelUrl, adminToken, projectId, 'bench_tasks');

/** Inserts `count` tasks (every other one assigned to `assigneeMemberId`) through the bench-tasks plugin. */
async function seedTasks(kernelUrl, adminToken, projectId, count, assigneeMemberId) {
  return (await api(kernelUrl, 'POST', `/api/v1/plugins/bench-tasks/projects/${projectId}/seed`, {
    token: adminToken, body: { count, ...(assigneeMemberId ? { assignee_member_id: assigneeMemberId } : {}) },
  })).data;
}

/**
 * The 10,000-task project the board scenarios share, made once per kernel: the list and the raw
 * SQL read measure the same rows. Each scenario still gets its own Editor (tokens live 15 minutes).
 */
const boards = new Map();
function boardProject(kernelUrl, adminToken) {
  if (!boards.has(kernelUrl)) {
    boards.set(kernelUrl, (async () => {
      const { projectId, memberId } = await projectWithEditor(kernelUrl, adminToken, 'board');
      const seeded = await seedTasks(kernelUrl, adminToken, projectId, BOARD_TASKS, memberId);
      const page = (await api(kernelUrl, 'GET', `/api/v1/projects/${projectId}/tasks?page_size=1`, { token: adminToken })).data;
      if (page.items[0]?.task_number !== 1 || !page.next_cursor) throw new Error(`board setup: unexpected first page ${JSON.stringify(page).slice(0, 200)}`);
      return { projectId, statusIds: seeded.status_ids };
    })());
  }
  return boards.get(kernelUrl);
}

/** A GET as a fresh Editor of the board project; checks the first answer has `expectItems` items. */
function boardRead(pathOf, expectItems) {
  return async ({ kernelUrl, adminToken }) => {
    const board = await boardProject(kernelUrl, adminToken);
    const { token } = await addEditor(kernelUrl, adminToken, board.projectId);
    const path = pathOf(board);
    const first = await api(kernelUrl, 'GET', path, { token });
    if (first.data.items.length !== expectItems) throw new Error(`${path}: expected ${expectItems} items, got ${first.data.items.length}`);
    return { target: () => ({ url: `${kernelUrl}${path}`, headers: { authorization: `Bearer ${token}` } }) };
  };
}

/** POST /tasks round-robin over `slots` ({projectId, token}); titles unique per request. */
function createTaskTarget(kernelUrl, slots) {
  let counter = 0;
  const tag = Date.now().toString(36);
  return () => ({
    url: kernelUrl,
    requests: [{
      method: 'POST',
      setupRequest(request) {
        const n = counter++;
        const slot = slots[n % slots.length];
        request.path = `/api/v1/projects/${slot.projectId}/tasks`;
        request.headers = { ...request.headers, 'content-type': 'application/json', authorization: `Bearer ${slot.token}` };
        request.body = JSON.stringify({ title: `Bench task ${tag}-${n}`, description: DESCRIPTION });
        return request;
      },
    }],
  });
}


export const TASK_SCENARIOS = {
  'tasks-sql-read': {
    server: 'kernel',
    title: 'Raw SQL read of 200 tasks (reference for list-board-tasks)',
    request: { method: 'GET', path: '/api/v1/plugins/bench-tasks/projects/:projectId/tasks?limit=200', auth: 'Bearer token of a project Editor' },
    setupText: `bench-tasks, a native plugin installed in DATA_DIR/plugins, answers with one SELECT of the first ${BOARD_PAGE} live tasks (by number) of the same ${BOARD_TASKS.toLocaleString('en-US')}-task project as list-board-tasks, through the same gate: the request, auth and plugin-host cost of a board page without the tasks plugin's work (assignees, keys, filters, cursor).`,
    latencyRate: { pglite: PGLITE_RATE, postgres: 200 },
    latencyRateWhy: { pglite: PGLITE_RATE_WHY },
    setup: boardRead((board) => `/api/v1/plugins/bench-tasks/projects/${board.projectId}/tasks?limit=${BOARD_PAGE}`, BOARD_PAGE),
  },

  'list-board-tasks': {
    server: 'kernel',
    title: 'List a board page: 200 tasks of a 10,000-task project',
    request: { method: 'GET', path: '/api/v1/projects/:projectId/tasks?page_size=200', auth: 'Bearer token of a project Editor' },
    setupText: `A project with ${BOARD_TASKS.toLocaleString('en-US')} tasks (inserted by bench-tasks in one statement: statuses round-robin over the 6 seeded ones, every other task assigned to a member, a Markdown description, the task counter moved past them, then ANALYZE) read by an Editor: the first page of ${BOARD_PAGE}, as a board loads it.`,
    latencyRate: { pglite: PGLITE_RATE, postgres: 200 },
    latencyRateWhy: { pglite: PGLITE_RATE_WHY },
    reference: 'tasks-sql-read',
    setup: boardRead((board) => `/api/v1/projects/${board.projectId}/tasks?page_size=${BOARD_PAGE}`, BOARD_PAGE),
  },

  'list-board-tasks-filtered': {
    server: 'kernel',
    title: 'List a board page filtered by two statuses',
    request: { method: 'GET', path: '/api/v1/projects/:projectId/tasks?page_size=200&status_ids=:a&status_ids=:b', auth: 'Bearer token of a project Editor' },
    setupText: `The list-board-tasks project (${BOARD_TASKS.toLocaleString('en-US')} tasks) filtered by 2 of its 6 statuses (about a third of the tasks match): the first page of ${BOARD_PAGE}.`,
    latencyRate: { pglite: PGLITE_RATE, postgres: 200 },
    latencyRateWhy: { pglite: PGLITE_RATE_WHY },
    reference: 'tasks-sql-read',
    setup: boardRead((board) => `/api/v1/projects/${board.projectId}/tasks?page_size=${BOARD_PAGE}&status_ids=${board.statusIds[2]}&status_ids=${board.statusIds[4]}`, BOARD_PAGE),
  },

  'create-task': {
    server: 'kernel',
    title: `Create task, ${SPREAD_PROJECTS} projects`,
    request: { method: 'POST', path: '/api/v1/projects/:projectId/tasks', auth: 'Bearer token of a project Editor', body: '{"title": <unique>, "description": <Markdown, 99 characters>}' },
    setupText: `${SPREAD_PROJECTS} projects, each with its own Editor; requests go round-robin over them (each project's task counter is taken by 1/${SPREAD_PROJECTS} of the requests). Each create numbers the task, records activity and emits task.created in one transaction.`,
    latencyRate: { pglite: PGLITE_RATE, postgres: 200 },
    latencyRateWhy: { pglite: PGLITE_RATE_WHY },
    async setup({ kernelUrl, adminToken }) {
      const slots = [];
      for (let i = 0; i < SPREAD_PROJECTS; i++) slots.push(await projectWithEditor(kernelUrl, adminToken, 'create'));
      return { target: createTaskTarget(kernelUrl, slots) };
    },
  },

  'create-task-one-project': {
    server: 'kernel',
    title: 'Create task, all in one project',
    request: { method: 'POST', path: '/api/v1/projects/:projectId/tasks', auth: 'Bearer token of a project Editor', body: '{"title": <unique>, "description": <Markdown, 99 characters>}' },
    setupText: 'One project and its Editor: every request takes the same task counter row (UPDATE … RETURNING), so concurrent creates queue on that row lock until their transactions commit.',
    latencyRate: { pglite: PGLITE_RATE, postgres: 200 },
    latencyRateWhy: { pglite: PGLITE_RATE_WHY },
    async setup({ kernelUrl, adminToken }) {
      return { target: createTaskTarget(kernelUrl, [await projectWithEditor(kernelUrl, adminToken, 'create1')]) };
    },
  },

  'update-task-status': {
    server: 'kernel',
    title: 'Change a task\'s status (PATCH status_id)',
    request: { method: 'PATCH', path: '/api/v1/projects/:projectId/tasks/:taskId', auth: 'Bearer token of a project Editor', body: '{"status_id": <the next status>}' },
    setupText: `${SPREAD_PROJECTS} projects of ${TASKS_PER_UPDATED_PROJECT} tasks each (bench-tasks), each with its own Editor. Requests walk the ${SPREAD_PROJECTS * TASKS_PER_UPDATED_PROJECT} tasks round-robin, each moving its task to another status of its project (no version: last write wins); each update records activity and emits task.updated in one transaction.`,
    latencyRate: { pglite: PGLITE_RATE, postgres: 200 },
    latencyRateWhy: { pglite: PGLITE_RATE_WHY },
    async setup({ kernelUrl, adminToken }) {
      const byProject = [];
      for (let i = 0; i < SPREAD_PROJECTS; i++) {
        const { projectId, token } = await projectWithEditor(kernelUrl, adminToken, 'update');
        const { status_ids: statusIds } = await seedTasks(kernelUrl, adminToken, projectId, TASKS_PER_UPDATED_PROJECT);
        const page = (await api(kernelUrl, 'GET', `/api/v1/projects/${projectId}/tasks?page_size=${TASKS_PER_UPDATED_PROJECT}`, { token })).data;
        if (page.items.length !== TASKS_PER_UPDATED_PROJECT) throw new Error(`update-task-status setup: ${page.items.length} tasks in ${projectId}`);
        byProject.push(page.items.map((task) => ({ projectId, token, taskId: task.id, statusIds, current: statusIds.indexOf(task.status_id) })));
      }
      // Projects interleaved, so consecutive requests hit different projects.
      const tasks = byProject[0].flatMap((_, i) => byProject.map((project) => project[i]));
      let counter = 0;
      return {
        target: () => ({
          url: kernelUrl,
          requests: [{
            method: 'PATCH',
            setupRequest(request) {
              const task = tasks[counter++ % tasks.length];
              task.current = (task.current + 1) % task.statusIds.length;
              request.path = `/api/v1/projects/${task.projectId}/tasks/${task.taskId}`;
              request.headers = { ...request.headers, 'content-type': 'application/json', authorization: `Bearer ${task.token}` };
              request.body = JSON.stringify({ status_id: task.statusIds[task.current] });
              return request;
            },
          }],
        }),
      };
    },
  },
};

/** A scenario with `reference` runs after it (bench/run.mjs adds the reference when asked for the scenario). */
export const TASK_SCENARIO_ORDER = ['tasks-sql-read', 'list-board-tasks', 'list-board-tasks-filtered', 'create-task', 'create-task-one-project', 'update-task-status'];
