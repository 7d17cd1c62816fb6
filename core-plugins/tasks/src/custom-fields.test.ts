import type { PluginDb } from '@paca/plugin-sdk';
import { expectData, expectError } from '@paca/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCustomFieldWrite } from './custom-field-values.js';
import { eventsOf, insertTaskRow, readTaskRow } from './settings-task-rows.fixture.js';
import { createProject, createTask, startTasksWorld, type TasksWorld } from './tasks-world.fixture.js';

// Custom field definitions (reference 1.4) through the HTTP API, and the check every task write
// runs on the values (custom-field-values.ts), directly and through POST/PATCH /tasks.

const onPostgres = !!process.env.DATABASE_URL;

let w: TasksWorld;
beforeAll(async () => {
  w = await startTasksWorld();
});
afterAll(() => w?.t.close());

const url = (projectId: string, suffix = '') => `/projects/${projectId}/custom-fields${suffix}`;
type FieldView = { id: string; field_key: string; display_name: string; field_type: string; options: Array<{ value: string; color: string | null }>; is_required: boolean; position: number; version: number };

async function listFields(projectId: string, token = w.admin.token): Promise<FieldView[]> {
  return expectData(await w.t.api('GET', url(projectId), { token })).items;
}

async function newProject() {
  return (await createProject(w.t, `Fields ${Math.random().toString(36).slice(2, 8)}`)).id;
}

async function createField(projectId: string, body: Record<string, unknown>): Promise<FieldView> {
  return expectData(await w.t.api('POST', url(projectId), { token: w.admin.token, body }), 201);
}

describe('defining fields', () => {
  it('creates each field type, normalises options to {value, color} and lists them in creation order', async () => {
    const projectId = await newProject();
    expect(await listFields(projectId)).toEqual([]);
    const res = await w.t.api('POST', url(projectId), { token: w.admin.token, body: {
      field_key: 'severity', display_name: ' Severity ', field_type: 'select', options: ['low', { value: 'high', color: '#ff0000' }, { value: 'mid', color: null }], is_required: true,
    } });
    const severity = expectData(res, 201);
    expect(severity).toMatchObject({
      field_key: 'severity', display_name: 'Severity', field_type: 'select', is_required: true, position: 0, version: 1, project_id: projectId,
      options: [{ value: 'low', color: null }, { value: 'high', color: '#ff0000' }, { value: 'mid', color: null }],
    });
    expect(res.headers.etag).toBe('"1"');
    const others = [];
    for (const fieldType of ['text', 'number', 'date', 'boolean', 'url']) {
      others.push(await createField(projectId, { field_key: `f_${fieldType}`, display_name: fieldType, field_type: fieldType, ...(fieldType === 'url' ? { options: [] } : fieldType === 'date' ? { options: null } : {}) }));
    }
    others.push(await createField(projectId, { field_key: 'labels', display_name: 'Labels', field_type: 'multi_select', options: ['a', 'b'] }));
    const listed = await listFields(projectId);
    expect(listed.map((f) => [f.field_key, f.position, f.is_required])).toEqual([
      ['severity', 0, true], ['f_text', 1, false], ['f_number', 2, false], ['f_date', 3, false], ['f_boolean', 4, false], ['f_url', 5, false], ['labels', 6, false],
    ]);
    expect(listed.slice(1, 6).every((f) => f.options.length === 0)).toBe(true);
    expect(listed[0]).toEqual(severity);
    expect((await eventsOf(w.t, projectId, 'task.custom_field.created')).map((e) => e.payload.custom_field)).toEqual([severity, ...others]);
  });

  it('refuses a key in use, an invalid key and bad options, storing nothing', async () => {
    const projectId = await newProject();
    await createField(projectId, { field_key: 'estimate', display_name: 'Estimate', field_type: 'number' });
    expectError(await w.t.api('POST', url(projectId), { token: w.admin.token, body: { field_key: 'estimate', display_name: 'Again', field_type: 'text' } }), 409, 'CUSTOM_FIELD_KEY_TAKEN');
    for (const fieldKey of ['Estimate', '1st', '_x', 'with-dash', 'a'.repeat(64), '']) {
      expectError(await w.t.api('POST', url(projectId), { token: w.admin.token, body: { field_key: fieldKey, display_name: 'X', field_type: 'text' } }), 422, 'VALIDATION_FAILED');
    }
    for (const body of [
      { field_key: 'x', display_name: 'X', field_type: 'select' },
      { field_key: 'x', display_name: 'X', field_type: 'select', options: null },
      { field_key: 'x', display_name: 'X', field_type: 'multi_select', options: [] },
      { field_key: 'x', display_name: 'X', field_type: 'select', options: ['a', { value: 'a', color: '#000000' }] },
      { field_key: 'x', display_name: 'X', field_type: 'text', options: ['a'] },
    ]) {
      expectError(await w.t.api('POST', url(projectId), { token: w.admin.token, body }), 422, 'CUSTOM_FIELD_OPTIONS_INVALID');
    }
    for (const body of [
      { field_key: 'x', display_name: ' ', field_type: 'text' },
      { field_key: 'x', display_name: 'X', field_type: 'json' },
      { field_key: 'x', display_name: 'X' },
      { field_key: 'x', display_name: 'X', field_type: 'select', options: [{ value: 'a', colour: 'red' }] },
      { field_key: 'x', display_name: 'X', field_type: 'select', options: [''] },
    ]) {
      expectError(await w.t.api('POST', url(projectId), { token: w.admin.token, body }), 422, 'VALIDATION_FAILED');
    }
    expect((await listFields(projectId)).map((f) => f.field_key)).toEqual(['estimate']);
  });

  it('reads one field with its ETag; another project\'s field is not found', async () => {
    const projectId = await newProject();
    const field = await createField(projectId, { field_key: 'risk', display_name: 'Risk', field_type: 'text' });
    const res = await w.t.api('GET', url(projectId, `/${field.id}`), { token: w.admin.token });
    expect(expectData(res)).toEqual(field);
    expect(res.headers.etag).toBe('"1"');
    expectError(await w.t.api('GET', url(w.projectId, `/${field.id}`), { token: w.admin.token }), 404, 'CUSTOM_FIELD_NOT_FOUND');
    expectError(await w.t.api('GET', url(projectId, '/risk'), { token: w.admin.token }), 404, 'CUSTOM_FIELD_NOT_FOUND');
  });

  it('is read by members and public readers, written by project admins only', async () => {
    const field = await createField(w.projectId, { field_key: `k${Math.random().toString(36).slice(2, 8)}`, display_name: 'Shared', field_type: 'text' });
    expect((await listFields(w.projectId, w.viewer.token)).map((f) => f.id)).toContain(field.id);
    expect(expectData(await w.t.api('GET', url(w.projectId, `/${field.id}`), { token: w.viewer.token })).id).toBe(field.id);
    expectError(await w.t.api('GET', url(w.projectId)), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await w.t.api('GET', url(w.projectId, `/${field.id}`), { token: w.outsider.token }), 403, 'FORBIDDEN');
    expect(expectData(await w.t.api('GET', url(w.publicProjectId))).items).toEqual([]);
    for (const token of [w.editor.token, w.viewer.token]) {
      expectError(await w.t.api('POST', url(w.projectId), { token, body: { field_key: 'sneaky', display_name: 'S', field_type: 'text' } }), 403, 'FORBIDDEN');
      expectError(await w.t.api('PATCH', url(w.projectId, `/${field.id}`), { token, body: { display_name: 'Mine' } }), 403, 'FORBIDDEN');
      expectError(await w.t.api('DELETE', url(w.projectId, `/${field.id}`), { token }), 403, 'FORBIDDEN');
    }
    expectError(await w.t.api('DELETE', url(w.projectId, `/${field.id}`)), 401, 'AUTH_UNAUTHENTICATED');
    expect((await listFields(w.projectId)).find((f) => f.id === field.id)).toEqual(field);
  });
});

describe('updating fields', () => {
  it('changes name, options and requiredness, bumping the version once and announcing it', async () => {
    const projectId = await newProject();
    const field = await createField(projectId, { field_key: 'stage', display_name: 'Stage', field_type: 'select', options: ['a'] });
    const res = await w.t.api('PATCH', url(projectId, `/${field.id}`), { token: w.admin.token, body: { display_name: 'Phase', options: ['a', { value: 'b', color: '#00ff00' }], is_required: true, version: 1 } });
    const updated = expectData(res);
    expect(updated).toMatchObject({ field_key: 'stage', display_name: 'Phase', is_required: true, version: 2, options: [{ value: 'a', color: null }, { value: 'b', color: '#00ff00' }] });
    expect(res.headers.etag).toBe('"2"');
    expect(expectData(await w.t.api('GET', url(projectId, `/${field.id}`), { token: w.admin.token }))).toEqual(updated);
    expect((await eventsOf(w.t, projectId, 'task.custom_field.updated')).map((e) => e.payload.custom_field)).toEqual([updated]);
    // The same options in the same form are no change.
    expect(expectData(await w.t.api('PATCH', url(projectId, `/${field.id}`), { token: w.admin.token, body: { options: [{ value: 'a' }, { value: 'b', color: '#00ff00' }] } })).version).toBe(2);
  });

  it('drops the options when a select becomes another type and needs them when it becomes a select', async () => {
    const projectId = await newProject();
    const field = await createField(projectId, { field_key: 'stage', display_name: 'Stage', field_type: 'select', options: ['a'] });
    expect(expectData(await w.t.api('PATCH', url(projectId, `/${field.id}`), { token: w.admin.token, body: { field_type: 'multi_select' } })))
      .toMatchObject({ field_type: 'multi_select', options: [{ value: 'a', color: null }], version: 2 });
    expect(expectData(await w.t.api('PATCH', url(projectId, `/${field.id}`), { token: w.admin.token, body: { field_type: 'text' } })))
      .toMatchObject({ field_type: 'text', options: [], version: 3 });
    expectError(await w.t.api('PATCH', url(projectId, `/${field.id}`), { token: w.admin.token, body: { field_type: 'select' } }), 422, 'CUSTOM_FIELD_OPTIONS_INVALID');
    expectError(await w.t.api('PATCH', url(projectId, `/${field.id}`), { token: w.admin.token, body: { options: ['x'] } }), 422, 'CUSTOM_FIELD_OPTIONS_INVALID');
    expect(expectData(await w.t.api('PATCH', url(projectId, `/${field.id}`), { token: w.admin.token, body: { field_type: 'select', options: ['x'] } })))
      .toMatchObject({ field_type: 'select', options: [{ value: 'x', color: null }], version: 4 });
  });

  it('keeps the key immutable and refuses stale versions and bad input, changing nothing', async () => {
    const projectId = await newProject();
    const field = await createField(projectId, { field_key: 'points', display_name: 'Points', field_type: 'number' });
    expectError(await w.t.api('PATCH', url(projectId, `/${field.id}`), { token: w.admin.token, body: { field_key: 'pts' } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('PATCH', url(projectId, `/${field.id}`), { token: w.admin.token, body: { display_name: '' } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('PATCH', url(projectId, `/${field.id}`), { token: w.admin.token, body: { display_name: '  ' } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('PATCH', url(projectId, `/${field.id}`), { token: w.admin.token, body: { field_type: 'money' } }), 422, 'VALIDATION_FAILED');
    const stale = await w.t.api('PATCH', url(projectId, `/${field.id}`), { token: w.admin.token, body: { display_name: 'P', version: 2 } });
    expectError(stale, 409, 'CUSTOM_FIELD_VERSION_CONFLICT');
    expect(stale.json.error_details).toEqual({ current_version: 1 });
    expectError(await w.t.api('PATCH', url(projectId, `/${field.id}`), { token: w.admin.token, headers: { 'if-match': '"9"' }, body: { display_name: 'P' } }), 409, 'CUSTOM_FIELD_VERSION_CONFLICT');
    expectError(await w.t.api('PATCH', url(w.projectId, `/${field.id}`), { token: w.admin.token, body: { display_name: 'P' } }), 404, 'CUSTOM_FIELD_NOT_FOUND');
    expect(expectData(await w.t.api('GET', url(projectId, `/${field.id}`), { token: w.admin.token }))).toEqual(field);
  });
});

describe('deleting fields', () => {
  it('removes the definition and keeps the values tasks hold under its key', async () => {
    const projectId = await newProject();
    const statusId = ((await w.t.kernel.database.knex('plugin_tasks.task_statuses').where({ project_id: projectId, is_default: true }).first()) as { id: string }).id;
    const typeId = ((await w.t.kernel.database.knex('plugin_tasks.task_types').where({ project_id: projectId, is_default: true }).first()) as { id: string }).id;
    const field = await createField(projectId, { field_key: 'customer', display_name: 'Customer', field_type: 'text' });
    const task = await insertTaskRow(w.t, projectId, { statusId, typeId, customFields: { customer: 'ACME' } });
    expectError(await w.t.api('DELETE', url(projectId, `/${field.id}`), { token: w.admin.token, headers: { 'if-match': '"2"' } }), 409, 'CUSTOM_FIELD_VERSION_CONFLICT');
    expectData(await w.t.api('DELETE', url(projectId, `/${field.id}`), { token: w.admin.token }), 204);
    expect(await listFields(projectId)).toEqual([]);
    expect((await readTaskRow(w.t, task.id)).custom_fields).toEqual({ customer: 'ACME' });
    expect((await eventsOf(w.t, projectId, 'task.custom_field.deleted')).map((e) => e.payload)).toEqual([{ custom_field_id: field.id, field_key: 'customer' }]);
    expectError(await w.t.api('DELETE', url(projectId, `/${field.id}`), { token: w.admin.token }), 404, 'CUSTOM_FIELD_NOT_FOUND');
    // The key is free again.
    expect((await createField(projectId, { field_key: 'customer', display_name: 'Client', field_type: 'text' })).field_key).toBe('customer');
  });
});

describe('concurrency', () => {
  it.runIf(onPostgres)('lets only one of two simultaneous creates with the same key through, with its own error code', async () => {
    const projectId = await newProject();
    const results = await Promise.all([1, 2].map(() => w.t.api('POST', url(projectId), { token: w.admin.token, body: { field_key: 'race', display_name: 'Race', field_type: 'text' } })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.status === 409)!.json.error_code).toBe('CUSTOM_FIELD_KEY_TAKEN');
    expect(await listFields(projectId)).toHaveLength(1);
  });
});

describe('values written on tasks (validateCustomFieldWrite)', () => {
  let projectId: string;
  // A handle on the plugin's schema like the one the kernel gives the plugin: the check only queries its tables.
  const pluginDb = () => ((table: string) => w.t.kernel.database.knex(table).withSchema('plugin_tasks')) as unknown as PluginDb;
  const check = (written: Record<string, unknown>, creating = false) => validateCustomFieldWrite(pluginDb(), projectId, written, { creating });

  async function rejection(written: Record<string, unknown>, creating = false) {
    const error = await check(written, creating).then(() => null, (e: unknown) => e) as { code: string; status: number; details: unknown } | null;
    expect(error).not.toBeNull();
    expect([error!.code, error!.status]).toEqual(['CUSTOM_FIELD_VALUE_INVALID', 422]);
    return error!.details as { field_key: string; reason: string };
  }

  beforeAll(async () => {
    projectId = await newProject();
    for (const [key, fieldType, extra] of [
      ['notes', 'text', {}], ['points', 'number', {}], ['due', 'date', {}], ['tier', 'select', { options: ['gold', 'silver'] }],
      ['labels', 'multi_select', { options: ['ui', 'api', 'db'] }], ['billable', 'boolean', {}], ['link', 'url', {}],
      ['owner', 'text', { is_required: true }],
    ] as const) {
      await createField(projectId, { field_key: key, display_name: key, field_type: fieldType, ...extra });
    }
  });

  it('accepts values that fit their field type and nulls that clear', async () => {
    const written = {
      notes: 'n'.repeat(10_000), points: -2.5, due: '2024-02-29', tier: 'gold', labels: ['db', 'ui'], billable: false,
      link: 'https://example.com/a?b=c', owner: 'Ann',
    };
    expect(await check(written, true)).toEqual(written);
    expect(await check({ notes: null, labels: [], points: 0 })).toEqual({ notes: null, labels: [], points: 0 });
    // Required fields are only enforced when given or on create.
    expect(await check({ tier: 'silver' })).toEqual({ tier: 'silver' });
    expect(await check({ due: '0099-12-31' })).toEqual({ due: '0099-12-31' });
    // A value left behind by a deleted definition can be cleared.
    expect(await check({ retired_field: null })).toEqual({ retired_field: null });
  });

  it('refuses unknown keys, values of the wrong shape and missing or cleared required fields', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ nope: 1 }, 'nope'], [{ 'Not-A-Key': null }, 'Not-A-Key'],
      [{ notes: 5 }, 'notes'], [{ notes: 'n'.repeat(10_001) }, 'notes'],
      [{ points: '3' }, 'points'],
      [{ due: '2023-02-29' }, 'due'], [{ due: '2024-2-1' }, 'due'], [{ due: '2024-01-01T00:00:00Z' }, 'due'],
      [{ tier: 'bronze' }, 'tier'], [{ tier: ['gold'] }, 'tier'],
      [{ labels: 'ui' }, 'labels'], [{ labels: ['ui', 'ui'] }, 'labels'], [{ labels: ['web'] }, 'labels'],
      [{ billable: 'yes' }, 'billable'],
      [{ link: 'ftp://example.com' }, 'link'], [{ link: '/relative' }, 'link'], [{ link: `https://e.com/${'a'.repeat(2000)}` }, 'link'],
      [{ owner: null }, 'owner'],
    ];
    for (const [written, fieldKey] of cases) expect((await rejection(written)).field_key).toBe(fieldKey);
    expect(await rejection({ notes: 'x' }, true)).toEqual({ field_key: 'owner', reason: 'is required' });
    expect((await rejection({ owner: null }, true)).field_key).toBe('owner');
  });

  it('applies on POST and PATCH /tasks: 422 with {field_key, reason} and nothing stored', async () => {
    const task = await createTask(w.t, projectId, { title: 'With fields', custom_fields: { owner: 'Bo', points: 3 } });
    expect(task.custom_fields).toEqual({ owner: 'Bo', points: 3 });
    const missing = await w.t.api('POST', `/projects/${projectId}/tasks`, { token: w.admin.token, body: { title: 'No owner' } });
    expectError(missing, 422, 'CUSTOM_FIELD_VALUE_INVALID');
    expect(missing.json.error_details).toEqual({ field_key: 'owner', reason: 'is required' });
    const wrong = await w.t.api('PATCH', `/projects/${projectId}/tasks/${task.id}`, { token: w.admin.token, body: { custom_fields: { tier: 'bronze' } } });
    expectError(wrong, 422, 'CUSTOM_FIELD_VALUE_INVALID');
    expect(wrong.json.error_details.field_key).toBe('tier');
    expect((await readTaskRow(w.t, task.id)).custom_fields).toEqual({ owner: 'Bo', points: 3 });
  });
});
