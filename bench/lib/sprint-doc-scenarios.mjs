// The sprints and docs plugins' scenarios (issue 6, D34): a running sprint's burndown and live
// progress over 200 tasks with a history, doc search over 10,000 documents beside a raw SQL search
// of the same rows, and saving a document. Projects, members, tasks, the sprint and its history go
// through the public API; the 10,000 documents are inserted by the bench-docs plugin
// (bench/plugins/bench-docs), since 10,000 POSTs would make the set-up longer than the measurement.
import { addProjectEditor, api, PGLITE_RATE, PGLITE_RATE_WHY } from './scenarios.mjs';

const SPRINT_TASKS = 200;
const SPRINT_DAYS = 14;
const STATUS_CHANGES = 500;
const POINT_CHANGES = 80;
const BACKLOG_ROUND_TRIPS = 20;
const SETUP_CONCURRENCY = 8;

const SEARCH_DOCS = 10_000;
const SEARCH_FOLDERS = 20;
const SEARCH_WORD = 'zeppelin';
const SEARCH_WORD_EVERY = 100;
const SEARCH_LIMIT = 20;

const SAVE_PROJECTS = 20;
const DOCS_PER_SAVE_PROJECT = 5;

let projectCounter = 0;

const addEditor = async (kernelUrl, adminToken, projectId, prefix) => (await addProjectEditor(kernelUrl, adminToken, projectId, prefix)).token;

async function project(kernelUrl, adminToken, tag) {
  const name = `Bench ${tag} ${Date.now().toString(36)} ${(++projectCounter).toString(36)}`;
  return (await api(kernelUrl, 'POST', '/api/v1/projects', { token: adminToken, body: { name } })).data.id;
}

/** Runs `make(item)` over `items`, `concurrency` at a time, in order of start. */
async function eachLimited(items, concurrency, make) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await make(items[i], i);
    }
  }));
  return out;
}

const utcDay = (date) => date.toISOString().slice(0, 10);
const daysAgo = (n) => utcDay(new Date(Date.now() - n * 86_400_000));

const DESCRIPTION = 'As a user I want the board to remember my filters.\n\n**Acceptance**: filters survive a reload.';

/**
 * The running sprint both sprint scenarios read, made once per kernel: 200 tasks with story
 * points, moved into one sprint, started 13 days ago so its burndown has 14 days, then about 600
 * recorded changes (status moves, re-estimates, tasks to the backlog and back).
 */
const sprints = new Map();
function runningSprint(kernelUrl, adminToken) {
  if (!sprints.has(kernelUrl)) {
    sprints.set(kernelUrl, (async () => {
      const projectId = await project(kernelUrl, adminToken, 'sprint');
      const token = await addEditor(kernelUrl, adminToken, projectId, 'bench_sprint');
      const call = (method, path, body) => api(kernelUrl, method, `/api/v1/projects/${projectId}${path}`, { token, body });
      const statuses = (await call('GET', '/task-statuses')).data.items.map((s) => s.id);
      const tasks = await eachLimited(Array.from({ length: SPRINT_TASKS }, (_, i) => i), SETUP_CONCURRENCY, async (i) =>
        (await call('POST', '/tasks', { title: `Sprint task ${i + 1}`, description: DESCRIPTION, story_points: 1 + (i * 5) % 8 })).data);
      const sprint = (await call('POST', '/sprints')).data;
      for (let i = 0; i < tasks.length; i += 200) await call('POST', `/sprints/${sprint.id}/tasks`, { task_ids: tasks.slice(i, i + 200).map((t) => t.id) });
      await call('POST', `/sprints/${sprint.id}/start`, { start_date: daysAgo(SPRINT_DAYS - 1), end_date: daysAgo(0) });

      // The history: status moves cycling over the statuses (each task several times), re-estimates,
      // and some tasks taken out to the backlog and put back.
      const current = tasks.map((t) => statuses.indexOf(t.status_id));
      const moves = Array.from({ length: STATUS_CHANGES }, (_, k) => k % SPRINT_TASKS);
      // Rounds over distinct tasks, so no two concurrent PATCHes touch the same task.
      for (let round = 0; round * SPRINT_TASKS < moves.length; round++) {
        await eachLimited(moves.slice(round * SPRINT_TASKS, (round + 1) * SPRINT_TASKS), SETUP_CONCURRENCY, async (i) => {
          current[i] = (current[i] + 1 + (i % 3)) % statuses.length;
          await call('PATCH', `/tasks/${tasks[i].id}`, { status_id: statuses[current[i]] });
        });
      }
      await eachLimited(Array.from({ length: POINT_CHANGES }, (_, k) => (k * 7) % SPRINT_TASKS), SETUP_CONCURRENCY, async (i) =>
        call('PATCH', `/tasks/${tasks[i].id}`, { story_points: 1 + (i * 3 + 1) % 8 }));
      const roundTrip = tasks.slice(0, BACKLOG_ROUND_TRIPS * 5).filter((_, k) => k % 5 === 0).map((t) => t.id);
      await call('POST', '/product-backlog/tasks', { task_ids: roundTrip });
      await call('POST', `/sprints/${sprint.id}/tasks`, { task_ids: roundTrip });

      const burndown = (await call('GET', `/sprints/${sprint.id}/burndown`)).data;
      if (burndown.days.length !== SPRINT_DAYS) throw new Error(`sprint setup: expected ${SPRINT_DAYS} burndown days, got ${burndown.days.length}`);
      const last = burndown.days.at(-1);
      if (last.total_tasks !== SPRINT_TASKS) throw new Error(`sprint setup: burndown's last day has ${last.total_tasks} tasks`);
      const got = (await call('GET', `/sprints/${sprint.id}`)).data;
      if (got.progress.task_count !== SPRINT_TASKS) throw new Error(`sprint setup: progress counts ${got.progress.task_count} tasks`);
      return { projectId, sprintId: sprint.id };
    })());
  }
  return sprints.get(kernelUrl);
}

/** A GET of the running sprint as a fresh Editor of its project; `check` vets the first answer. */
function sprintRead(pathOf, check) {
  return async ({ kernelUrl, adminToken }) => {
    const sprint = await runningSprint(kernelUrl, adminToken);
    const token = await addEditor(kernelUrl, adminToken, sprint.projectId, 'bench_sprint');
    const path = `/api/v1/projects/${sprint.projectId}${pathOf(sprint)}`;
    check((await api(kernelUrl, 'GET', path, { token })).data);
    return { target: () => ({ url: `${kernelUrl}${path}`, headers: { authorization: `Bearer ${token}` } }) };
  };
}

/**
 * The 10,000-document project both search scenarios read, made once per kernel (bench-docs seeds
 * it), so the docs search and the raw SQL search measure the same rows.
 */
const libraries = new Map();
function docLibrary(kernelUrl, adminToken) {
  if (!libraries.has(kernelUrl)) {
    libraries.set(kernelUrl, (async () => {
      const projectId = await project(kernelUrl, adminToken, 'docs');
      const seeded = (await api(kernelUrl, 'POST', `/api/v1/plugins/bench-docs/projects/${projectId}/seed`, {
        token: adminToken, body: { count: SEARCH_DOCS, folders: SEARCH_FOLDERS, word: SEARCH_WORD, word_every: SEARCH_WORD_EVERY },
      })).data;
      const expected = Math.floor(SEARCH_DOCS / SEARCH_WORD_EVERY);
      if (seeded.matching_documents !== expected) throw new Error(`docs setup: "${SEARCH_WORD}" is in ${seeded.matching_documents} documents, expected ${expected}`);
      return { projectId, averageLength: seeded.average_length };
    })());
  }
  return libraries.get(kernelUrl);
}

/** A search as a fresh Editor of the library project; checks the first answer has a full page. */
function librarySearch(pathOf) {
  return async ({ kernelUrl, adminToken }) => {
    const library = await docLibrary(kernelUrl, adminToken);
    const token = await addEditor(kernelUrl, adminToken, library.projectId, 'bench_docs');
    const path = pathOf(library);
    const first = (await api(kernelUrl, 'GET', path, { token })).data;
    if (first.items.length !== SEARCH_LIMIT) throw new Error(`${path}: expected ${SEARCH_LIMIT} hits, got ${first.items.length}`);
    return { target: () => ({ url: `${kernelUrl}${path}`, headers: { authorization: `Bearer ${token}` } }) };
  };
}

/** About 2 KB of Markdown, different per document. */
function docBody(n) {
  const lines = [`# Design note ${n}`, '', '## Context', ''];
  for (let i = 0; lines.join('\n').length < 1900; i++) {
    lines.push(`${i % 4 === 0 ? '## Section ' + (i / 4 + 1) + '\n\n' : ''}Paragraph ${i + 1} of note ${n}: the service answers from the cache when the`
      + ' entry is fresh, else it reads the table and refreshes the entry; writers invalidate it in the same transaction.', '');
  }
  return lines.join('\n');
}


export const SPRINT_DOC_SCENARIOS = {
  'sprint-burndown': {
    server: 'kernel',
    title: 'Burndown of a running sprint: 200 tasks, 14 days',
    request: { method: 'GET', path: '/api/v1/projects/:projectId/sprints/:sprintId/burndown', auth: 'Bearer token of a project Editor' },
    setupText: `Through the API: ${SPRINT_TASKS} tasks with story points 1–8 (POST /tasks), moved into one sprint (POST /sprints/:id/tasks), started with start_date ${SPRINT_DAYS - 1} days before today (UTC) and end_date today, then ${STATUS_CHANGES + POINT_CHANGES + 2 * BACKLOG_ROUND_TRIPS} recorded changes: ${STATUS_CHANGES} status moves cycling over the 6 statuses, ${POINT_CHANGES} re-estimates, ${BACKLOG_ROUND_TRIPS} tasks to the backlog and back. Each request reads the sprint's task history (${SPRINT_TASKS} tasks and ${SPRINT_TASKS + STATUS_CHANGES + POINT_CHANGES + 2 * BACKLOG_ROUND_TRIPS} recorded changes, the moves into the sprint included) and replays it over ${SPRINT_DAYS} UTC days. The history is all dated today (the kernel clock is real), so earlier days skip tasks created after them; the same rows are read either way.`,
    latencyRate: { pglite: 10, postgres: 25 },
    latencyRateWhy: {
      pglite: 'each request reads and replays the sprint\'s whole task history: saturates at about 12 req/s on PGlite here, so even 25 req/s would measure queueing',
      postgres: 'each request reads and replays the sprint\'s whole task history: saturates at 20–35 req/s on this shared machine (kernel, PostgreSQL and load generator share 2 cores), so 200 req/s would measure queueing',
    },
    setup: sprintRead((sprint) => `/sprints/${sprint.sprintId}/burndown`, (data) => {
      if (data.days.length !== SPRINT_DAYS) throw new Error(`sprint-burndown: expected ${SPRINT_DAYS} days, got ${data.days.length}`);
    }),
  },

  'sprint-get': {
    server: 'kernel',
    title: 'Get a running sprint with its live progress (200 tasks)',
    request: { method: 'GET', path: '/api/v1/projects/:projectId/sprints/:sprintId', auth: 'Bearer token of a project Editor' },
    setupText: `The sprint-burndown sprint (${SPRINT_TASKS} tasks): each request reads the sprint row, its tasks through the tasks service's pages and the project's done statuses, and sums tasks and points, done and total.`,
    latencyRate: { pglite: PGLITE_RATE, postgres: 200 },
    latencyRateWhy: { pglite: PGLITE_RATE_WHY },
    setup: sprintRead((sprint) => `/sprints/${sprint.sprintId}`, (data) => {
      if (data.progress?.task_count !== SPRINT_TASKS) throw new Error(`sprint-get: expected ${SPRINT_TASKS} tasks, got ${data.progress?.task_count}`);
    }),
  },

  'docs-sql-search': {
    server: 'kernel',
    title: 'Raw SQL search of 10,000 documents (reference for docs-search)',
    request: { method: 'GET', path: `/api/v1/plugins/bench-docs/projects/:projectId/search?q=${SEARCH_WORD}&limit=${SEARCH_LIMIT}`, auth: 'Bearer token of a project Editor' },
    setupText: `bench-docs, a native plugin installed in DATA_DIR/plugins, answers with one SELECT over the same ${SEARCH_DOCS.toLocaleString('en-US')} documents as docs-search: the docs plugin's predicate (\`lower(title) LIKE lower(…) OR lower(content) LIKE lower(…)\`, served by its pg_trgm indexes), order (title matches first, then most recently updated) and LIMIT ${SEARCH_LIMIT}, returning id, title, folder_id and updated_at, through the same gate: docs-search without the docs plugin's work (snippets cut in SQL, folder paths).`,
    latencyRate: { pglite: PGLITE_RATE, postgres: 200 },
    latencyRateWhy: { pglite: PGLITE_RATE_WHY },
    setup: librarySearch((library) => `/api/v1/plugins/bench-docs/projects/${library.projectId}/search?q=${SEARCH_WORD}&limit=${SEARCH_LIMIT}`),
  },

  'docs-search': {
    server: 'kernel',
    title: 'Search 10,000 documents for a word in 1 % of them',
    request: { method: 'GET', path: `/api/v1/projects/:projectId/docs/search?q=${SEARCH_WORD}&limit=${SEARCH_LIMIT}`, auth: 'Bearer token of a project Editor' },
    setupText: `A project with ${SEARCH_DOCS.toLocaleString('en-US')} Markdown documents of about 2 KB (headings, paragraphs, a list and a code block from a fixed vocabulary) in ${SEARCH_FOLDERS} folders, inserted by bench-docs with their first snapshots (no activity entries), then the pg_trgm indexes' pending lists merged (gin_clean_pending_list) and ANALYZE, as autovacuum would do after such a load. "${SEARCH_WORD}" is in the body of every ${SEARCH_WORD_EVERY}th document (${SEARCH_DOCS / SEARCH_WORD_EVERY} of them, 1 %) and in no title; an Editor asks for the first ${SEARCH_LIMIT} hits (with snippets and paths).`,
    latencyRate: { pglite: PGLITE_RATE, postgres: 200 },
    latencyRateWhy: { pglite: PGLITE_RATE_WHY },
    reference: 'docs-sql-search',
    setup: librarySearch((library) => `/api/v1/projects/${library.projectId}/docs/search?q=${SEARCH_WORD}&limit=${SEARCH_LIMIT}`),
  },

  'doc-save': {
    server: 'kernel',
    title: `Save a document (PATCH content), ${SAVE_PROJECTS} projects`,
    request: { method: 'PATCH', path: '/api/v1/projects/:projectId/docs/:docId', auth: 'Bearer token of a project Editor', body: '{"content": <Markdown, about 2 KB, new on every save>}' },
    setupText: `${SAVE_PROJECTS} projects of ${DOCS_PER_SAVE_PROJECT} documents (POST /docs, about 2 KB each), each project with two Editors. Requests walk the ${SAVE_PROJECTS * DOCS_PER_SAVE_PROJECT} documents round-robin (no version: last write wins), each sending the whole body with one line changed. A document's saves alternate between its project's two Editors every second visit, so about half the saves start a snapshot and half update the latest one in place (same author within 60 s, D30); each save locks the row, records activity and emits doc.updated in one transaction and answers with the document.`,
    latencyRate: { pglite: PGLITE_RATE, postgres: 200 },
    latencyRateWhy: { pglite: PGLITE_RATE_WHY },
    async setup({ kernelUrl, adminToken }) {
      const byProject = [];
      for (let p = 0; p < SAVE_PROJECTS; p++) {
        const projectId = await project(kernelUrl, adminToken, 'save');
        const tokens = [await addEditor(kernelUrl, adminToken, projectId, 'bench_docs'), await addEditor(kernelUrl, adminToken, projectId, 'bench_docs')];
        const docs = [];
        for (let d = 0; d < DOCS_PER_SAVE_PROJECT; d++) {
          const n = p * DOCS_PER_SAVE_PROJECT + d + 1;
          const doc = (await api(kernelUrl, 'POST', `/api/v1/projects/${projectId}/docs`, { token: tokens[0], body: { title: `Design note ${n}`, content: docBody(n) } })).data;
          docs.push({ projectId, tokens, docId: doc.id, base: docBody(n), visits: 0 });
        }
        byProject.push(docs);
      }
      // Projects interleaved, so consecutive requests hit different projects.
      const docs = byProject[0].flatMap((_, i) => byProject.map((docsOf) => docsOf[i]));
      let counter = 0;
      return {
        target: () => ({
          url: kernelUrl,
          requests: [{
            method: 'PATCH',
            setupRequest(request) {
              const n = counter++;
              const doc = docs[n % docs.length];
              const token = doc.tokens[Math.floor(doc.visits++ / 2) % 2];
              request.path = `/api/v1/projects/${doc.projectId}/docs/${doc.docId}`;
              request.headers = { ...request.headers, 'content-type': 'application/json', authorization: `Bearer ${token}` };
              request.body = JSON.stringify({ content: `${doc.base}\nLast edited in save ${n}.\n` });
              return request;
            },
          }],
        }),
      };
    },
  },
};

/** A scenario with `reference` runs after it (bench/run.mjs adds the reference when asked for the scenario). */
export const SPRINT_DOC_SCENARIO_ORDER = ['sprint-burndown', 'sprint-get', 'docs-sql-search', 'docs-search', 'doc-save'];
