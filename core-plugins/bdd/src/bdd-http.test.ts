import { expectData, expectError, expectToolsMapToRoutes, readManifest, type ListedTool } from '@paca/kernel/testing';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, createTask, startTasksWorld, type TasksWorld } from '../../tasks/src/tasks-world.fixture.js';
import { buildPluginInPlace } from '../../../plugin-sdk/src/testing/built-plugin.fixture.js';

/*
 * The BDD plugin end to end: built from source into core-plugins/bdd/, discovered by a test
 * kernel like every core plugin, served over HTTP behind its IAM actions, its writes, events and
 * activity committed after each call, and its cleanup run from the outbox.
 */

const PLUGIN_DIR = fileURLToPath(new URL('..', import.meta.url));
const manifest = readManifest(new URL('../plugin.json', import.meta.url));

let w: TasksWorld;
let task: { id: string; key: string };
const db = () => w.t.kernel.database.knex;
const scenariosUrl = (projectId: string, taskId: string) => `/plugins/bdd/projects/${projectId}/tasks/${taskId}/scenarios`;
const featureUrl = (projectId: string, taskId: string) => `/plugins/bdd/projects/${projectId}/tasks/${taskId}/feature`;

const GHERKIN = 'Scenario: Sign in\n  Given a registered user\n  When they sign in\n  Then they see their projects';

beforeAll(async () => {
  await buildPluginInPlace(PLUGIN_DIR);
  w = await startTasksWorld();
  task = await createTask(w.t, w.projectId, { title: 'Single sign-on' });
}, 120_000);

afterAll(async () => {
  await w?.t.close();
});

describe('the bdd plugin in a kernel', () => {
  it('is discovered in core-plugins/ and serves as an optional WASM plugin', () => {
    expect(w.t.kernel.plugins.registry.get('bdd')).toMatchObject({ status: 'active', error: null, manifest: { runtime: 'wasm', optional: true } });
  });

  it('lets an Editor write scenarios that a Viewer reads and exports, with events and task activity', async () => {
    const url = scenariosUrl(w.projectId, task.id);
    const token = w.editor.token;
    const first = expectData(await w.t.api('POST', url, { token, body: { gherkin: GHERKIN } }), 201);
    const second = expectData(await w.t.api('POST', url, {
      token, body: { title: 'Wrong password', steps: [{ keyword: 'Given', text: 'a registered user' }, { keyword: 'When', text: 'they mistype' }, { keyword: 'Then', text: 'they are told' }] },
    }), 201);
    expectData(await w.t.api('PATCH', `${url}/${second.id}`, { token, body: { position: 0 } }));

    const list = expectData(await w.t.api('GET', url, { token: w.viewer.token }));
    expect(list.items.map((s: { id: string; position: number }) => [s.id, s.position])).toEqual([[second.id, 0], [first.id, 1]]);
    const feature = expectData(await w.t.api('GET', featureUrl(w.projectId, task.id), { token: w.viewer.token }));
    expect(feature).toEqual({
      feature_name: 'Single sign-on',
      file_name: `${task.key}.feature`,
      scenario_count: 2,
      content: `@${task.key}\nFeature: Single sign-on\n\n  Scenario: Wrong password\n    Given a registered user\n    When they mistype\n    Then they are told\n\n`
        + '  Scenario: Sign in\n    Given a registered user\n    When they sign in\n    Then they see their projects\n',
    });

    const events = await db()('events').where({ project_id: w.projectId }).whereLike('type', 'bdd.%').orderBy('id').select('type', 'payload', 'origin');
    expect(events.map((e) => e.type)).toEqual(['bdd.scenario.created', 'bdd.scenario.created', 'bdd.scenario.updated']);
    expect(events[0]).toMatchObject({ origin: 'plugin', payload: { task_id: task.id, scenario_id: first.id, title: 'Sign in', step_count: 3 } });
    // One clock tick for all of them in a test kernel: compared as a set.
    const feed = await db()('activities').where({ project_id: w.projectId, entity_id: task.id, plugin_id: 'bdd' }).select('activity_type');
    expect(feed.map((a) => a.activity_type).sort()).toEqual(['bdd.scenario_created', 'bdd.scenario_created', 'bdd.scenario_moved']);

    expectData(await w.t.api('DELETE', `${url}/${first.id}`, { token }), 204);
    expect(expectData(await w.t.api('GET', url, { token })).items.map((s: { id: string }) => s.id)).toEqual([second.id]);
  });

  it('refuses malformed scenarios with BDD_INVALID_SCENARIO, and malformed bodies before the guest runs', async () => {
    const url = scenariosUrl(w.projectId, task.id);
    const refused = await w.t.api('POST', url, { token: w.editor.token, body: { gherkin: 'Scenario: Backwards\n  Then done\n  When acting\n  Given context' } });
    expectError(refused, 422, 'BDD_INVALID_SCENARIO');
    expect(refused.json.error).toBe('invalid scenario: step 2 (When) comes after Then; steps go Given, then When, then Then; '
      + 'step 3 (Given) comes after Then; steps go Given, then When, then Then');
    expectError(await w.t.api('POST', url, { token: w.editor.token, body: { title: 'T', steps: [{ keyword: 'Whenever', text: 'x' }] } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('POST', url, { token: w.editor.token, body: { gherkin: GHERKIN, colour: 'green' } }), 422, 'VALIDATION_FAILED');
  });

  it('is gated by bdd:read and bdd:write', async () => {
    const url = scenariosUrl(w.projectId, task.id);
    expectError(await w.t.api('POST', url, { token: w.viewer.token, body: { gherkin: GHERKIN } }), 403, 'FORBIDDEN');
    expectError(await w.t.api('GET', url, { token: w.outsider.token }), 403, 'FORBIDDEN');
    expectError(await w.t.api('GET', featureUrl(w.projectId, task.id)), 401, 'AUTH_UNAUTHENTICATED');
    const publicTask = await createTask(w.t, w.publicProjectId, { title: 'Open' });
    expect(expectData(await w.t.api('GET', featureUrl(w.publicProjectId, publicTask.id))).scenario_count).toBe(0);
  });

  it('answers 404 for a task of another project', async () => {
    const other = await createProject(w.t, `Elsewhere ${randomUUID().slice(0, 6)}`);
    const foreignTask = await createTask(w.t, other.id, { title: 'Not yours' });
    expectError(await w.t.api('GET', featureUrl(w.projectId, foreignTask.id), { token: w.t.adminToken }), 404, 'TASK_NOT_FOUND');
    expectError(await w.t.api('POST', scenariosUrl(w.projectId, foreignTask.id), { token: w.t.adminToken, body: { gherkin: GHERKIN } }), 404, 'TASK_NOT_FOUND');
  });

  it('removes a deleted task\'s scenarios, delivered from the outbox', async () => {
    const doomed = await createTask(w.t, w.projectId, { title: 'Doomed' });
    expectData(await w.t.api('POST', scenariosUrl(w.projectId, doomed.id), { token: w.t.adminToken, body: { gherkin: GHERKIN } }), 201);
    const docsOf = async (taskId: string) => Number((await db()('plugin_bdd.wasm_documents').whereRaw("doc->>'task_id' = ?", [taskId]).count({ n: '*' }).first())!.n);
    expect(await docsOf(doomed.id)).toBe(1);
    const before = await docsOf(task.id);

    expectData(await w.t.api('DELETE', `/projects/${w.projectId}/tasks/${doomed.id}`, { token: w.t.adminToken }), 204);
    await w.t.kernel.events.relay.drain();
    await w.t.kernel.events.consumers.catchUp();
    expect(await docsOf(doomed.id)).toBe(0);
    expect(await docsOf(task.id)).toBe(before);
  });

  it('lists its MCP tools by permission, each mapped to one of its routes (D31)', async () => {
    const toolsFor = async (token: string) =>
      (expectData(await w.t.api('GET', '/mcp/tools', { token, query: { project_id: w.projectId } })).tools as ListedTool[]).filter((t) => t.owner === 'bdd');
    const tools = await toolsFor(w.editor.token);
    expect(tools.map((t) => t.name).sort()).toEqual([
      'bdd_create_scenario', 'bdd_delete_scenario', 'bdd_export_feature', 'bdd_get_scenario', 'bdd_list_scenarios', 'bdd_update_scenario',
    ]);
    expectToolsMapToRoutes(manifest, tools);
    expect((await toolsFor(w.viewer.token)).map((t) => t.name).sort()).toEqual(['bdd_export_feature', 'bdd_get_scenario', 'bdd_list_scenarios']);
  });
});
