import { parseManifest, type PluginManifest } from '@paca/plugin-sdk';
import { expectData } from '@paca/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, createTask, startTasksWorld, type TasksWorld } from './tasks-world.fixture.js';

/*
 * `tasks.list` and `tasks.get` (D20), called the way the WASM runtime calls them: through the
 * kernel's host-function registry, with the calling plugin's manifest, the call's project and
 * the principal's policies.
 */

type HostResult = { ok: true; value: any } | { ok: false; error: { code: string; message: string } };

function guestManifest(permissions: string[]): PluginManifest {
  const parsed = parseManifest({ id: 'wasm-guest', name: 'Guest', version: '1.0.0', kernel: '^0.1.0', runtime: 'wasm', wasm: 'guest.wasm', permissions });
  if (!parsed.success) throw new Error(JSON.stringify(parsed.issues));
  return parsed.manifest;
}

describe('tasks host functions (D20)', () => {
  let world: TasksWorld;
  let call: (name: string, args: Record<string, unknown>, options?: { permissions?: string[]; userId?: string; projectId?: string }) => Promise<HostResult>;
  let tasks: Array<{ id: string; task_number: number }>;
  let foreignTask: { id: string; task_number: number };
  let otherProjectId: string;

  beforeAll(async () => {
    world = await startTasksWorld();
    const { t, projectId, statuses, editor } = world;
    tasks = [];
    tasks.push(await createTask(t, projectId, { title: 'Write the parser', status_id: statuses.todo, assignee_ids: [editor.memberId] }));
    tasks.push(await createTask(t, projectId, { title: 'Review the parser', status_id: statuses.inprogress }));
    tasks.push(await createTask(t, projectId, { title: 'Ship it', status_id: statuses.todo, description: 'after the parser review' }));
    const other = await createProject(t, `Elsewhere ${Math.random().toString(36).slice(2, 8)}`);
    otherProjectId = other.id;
    foreignTask = await createTask(t, other.id, { title: 'Write the parser elsewhere' });

    const { hostFunctions } = t.kernel.plugins;
    const iam = t.kernel.services.iam;
    call = async (name, args, options = {}) => hostFunctions.invoke(name, {
      caller: guestManifest(options.permissions ?? ['core:read:tasks']),
      projectId: options.projectId ?? projectId,
      principal: { type: 'user', id: options.userId ?? world.viewer.id },
      policies: await iam.policySetFor(t.kernel.database.knex, { type: 'user', id: options.userId ?? world.viewer.id }),
      disabledPlugins: [],
      args,
    }) as Promise<HostResult>;
  });
  afterAll(async () => {
    await world?.t.close();
  });

  const value = (result: HostResult) => {
    if (!result.ok) throw new Error(`host call failed: ${result.error.code} ${result.error.message}`);
    return result.value;
  };
  const errorCode = (result: HostResult) => (result.ok ? 'ok' : result.error.code);

  it('contributes tasks.get and tasks.list', () => {
    expect(world.t.kernel.plugins.hostFunctions.names()).toEqual(expect.arrayContaining(['tasks.get', 'tasks.list']));
  });

  it('tasks.get returns the task as GET /tasks/:id does, by id or by number', async () => {
    const rest = expectData(await world.t.api('GET', `/projects/${world.projectId}/tasks/${tasks[0]!.id}`, { token: world.viewer.token }));
    expect(value(await call('tasks.get', { task_id: tasks[0]!.id }))).toEqual(rest);
    expect(value(await call('tasks.get', { task_number: tasks[0]!.task_number }))).toEqual(rest);
    expect(value(await call('tasks.get', { project_id: world.projectId, task_id: tasks[0]!.id }))).toMatchObject({ key: `${world.prefix}-${tasks[0]!.task_number}` });
  });

  it('tasks.get reaches only the call\'s project: another project\'s task is not found', async () => {
    expect(errorCode(await call('tasks.get', { task_id: foreignTask.id }))).toBe('TASK_NOT_FOUND');
    expect(errorCode(await call('tasks.get', { task_number: 999_999 }))).toBe('TASK_NOT_FOUND');
    expect(errorCode(await call('tasks.get', { project_id: foreignTask.id, task_id: tasks[0]!.id }))).toBe('PLUGIN_PERMISSION_DENIED');
  });

  it('tasks.list pages and filters like GET /tasks', async () => {
    const all = value(await call('tasks.list', {}));
    expect(all.items.map((t: { id: string }) => t.id)).toEqual(tasks.map((t) => t.id));
    expect(all.next_cursor).toBeNull();
    const rest = expectData(await world.t.api('GET', `/projects/${world.projectId}/tasks`, { token: world.viewer.token }));
    expect(all.items).toEqual(rest.items);

    const first = value(await call('tasks.list', { page_size: 2 }));
    expect(first.items.map((t: { id: string }) => t.id)).toEqual([tasks[0]!.id, tasks[1]!.id]);
    const second = value(await call('tasks.list', { page_size: 2, cursor: first.next_cursor }));
    expect(second.items.map((t: { id: string }) => t.id)).toEqual([tasks[2]!.id]);
    expect(second.next_cursor).toBeNull();

    const ids = async (args: Record<string, unknown>) => value(await call('tasks.list', args)).items.map((t: { id: string }) => t.id);
    expect(await ids({ status_ids: [world.statuses.todo] })).toEqual([tasks[0]!.id, tasks[2]!.id]);
    expect(await ids({ assignee_ids: [world.editor.memberId] })).toEqual([tasks[0]!.id]);
    expect(await ids({ search: 'parser' })).toEqual([tasks[0]!.id, tasks[1]!.id]);
    expect(await ids({ search: 'parser', search_content: true })).toEqual(tasks.map((t) => t.id));
    expect(await ids({ search: `#${tasks[1]!.task_number}` })).toEqual([tasks[1]!.id]);
    expect(await ids({ sprint_id: null })).toEqual(tasks.map((t) => t.id));
    expect(await ids({ status_ids: [world.statuses.done] })).toEqual([]);
  });

  it('refuses bad arguments with a coded error, never a crash', async () => {
    const bad: Array<[string, Record<string, unknown>]> = [
      ['tasks.get', {}],
      ['tasks.get', { task_id: 'not-a-uuid' }],
      ['tasks.get', { task_id: tasks[0]!.id, task_number: tasks[0]!.task_number }],
      ['tasks.get', { task_number: 0 }],
      ['tasks.get', { task_number: '1' }],
      ['tasks.get', { task_id: tasks[0]!.id, extra: true }],
      ['tasks.list', { page_size: 201 }],
      ['tasks.list', { page_size: 0 }],
      ['tasks.list', { status_ids: 'todo' }],
      ['tasks.list', { status_ids: ['not-a-uuid'] }],
      ['tasks.list', { assignee_ids: [42] }],
      ['tasks.list', { sprint_id: 'backlog' }],
      ['tasks.list', { search: '' }],
      ['tasks.list', { cursor: 'not-a-cursor' }],
      ['tasks.list', { order: 'desc' }],
    ];
    for (const [name, args] of bad) {
      const result = await call(name, args);
      expect(errorCode(result), `${name} ${JSON.stringify(args)}`).toBe('VALIDATION_FAILED');
    }
    const issues = await call('tasks.list', { page_size: 500 });
    expect(issues.ok ? '' : issues.error.message).toMatch(/args\.page_size/);
  });

  it('needs core:read:tasks in the caller\'s manifest and tasks:read for the principal', async () => {
    expect(errorCode(await call('tasks.list', {}, { permissions: [] }))).toBe('PLUGIN_PERMISSION_DENIED');
    expect(errorCode(await call('tasks.get', { task_id: tasks[0]!.id }, { permissions: ['core:read:projects'] }))).toBe('PLUGIN_PERMISSION_DENIED');
    expect(errorCode(await call('tasks.list', {}, { userId: world.outsider.id }))).toBe('PLUGIN_PERMISSION_DENIED');
    expect(errorCode(await call('tasks.get', { task_id: tasks[0]!.id }, { userId: world.outsider.id }))).toBe('PLUGIN_PERMISSION_DENIED');
    // A Viewer reads (tasks:read) in its project; in a project where it has no role the call is refused before any task is read.
    expect(value(await call('tasks.list', {}, { userId: world.viewer.id })).items).toHaveLength(tasks.length);
    expect(errorCode(await call('tasks.list', {}, { userId: world.viewer.id, projectId: otherProjectId }))).toBe('PLUGIN_PERMISSION_DENIED');
    const adminId = expectData(await world.t.api('GET', '/users/me', { token: world.admin.token })).id as string;
    const otherProjectTasks = value(await call('tasks.list', {}, { userId: adminId, projectId: otherProjectId })).items;
    expect(otherProjectTasks.map((t: { id: string }) => t.id)).toEqual([foreignTask.id]);
  });
});
