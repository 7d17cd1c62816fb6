import { expectData, expectError, type ApiResponse } from '@paca/kernel/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, startTasksWorld, type TasksWorld } from './tasks-world.fixture.js';

// Task attachments on the default fs storage: presigned upload, completion, downloads, inline reads.

const LIMIT = 8 * 1024 * 1024;
let w: TasksWorld;
const attachments = (taskId: string, projectId = w.projectId) => `/projects/${projectId}/tasks/${taskId}/attachments`;
/** Path and query of a presigned fs URL: the kernel serves it, `inject` reaches it without a socket. */
const local = (url: string) => `${new URL(url).pathname}${new URL(url).search}`;

/** A raw PUT to a presigned URL (the harness's `api` would send a Buffer as JSON). */
async function putBytes(url: string, bytes: Buffer, headers: Record<string, string>): Promise<ApiResponse> {
  const response = await w.t.kernel.app.inject({ method: 'PUT', url: local(url), payload: bytes, headers: { 'content-type': 'application/octet-stream', ...headers } });
  return { status: response.statusCode, json: JSON.parse(response.body), headers: response.headers, cookies: [], raw: response };
}

interface Upload { attachment: { id: string; [k: string]: unknown }; upload: { url: string; method: string; headers: Record<string, string>; expires_at: string; max_bytes: number } }

async function initiate(taskId: string, body: Record<string, unknown>, options: { token?: string; projectId?: string } = {}): Promise<Upload> {
  return expectData(await w.t.api('POST', `${attachments(taskId, options.projectId)}/initiate-upload`, { token: options.token ?? w.editor.token, body }), 201);
}

const complete = (taskId: string, attachmentId: string, options: { token?: string; projectId?: string } = {}) =>
  w.t.api('POST', `${attachments(taskId, options.projectId)}/complete-upload`, { token: options.token ?? w.editor.token, body: { attachment_id: attachmentId } });

/** Initiates, uploads and completes; returns the attachment. */
async function attach(taskId: string, fileName: string, bytes: Buffer, contentType?: string, options: { projectId?: string; token?: string } = {}) {
  const { attachment, upload } = await initiate(taskId, { file_name: fileName, file_size: bytes.length, ...(contentType ? { content_type: contentType } : {}) }, options);
  expectData(await putBytes(upload.url, bytes, upload.headers), 201);
  return expectData(await complete(taskId, attachment.id, options));
}

const list = async (taskId: string, token = w.viewer.token, projectId = w.projectId) =>
  expectData(await w.t.api('GET', attachments(taskId, projectId), { token })).items as Array<{ id: string; file_name: string }>;

beforeAll(async () => { w = await startTasksWorld({ env: { STORAGE_MAX_OBJECT_BYTES: String(LIMIT) } }); });
afterAll(() => w?.t.close());

describe('task attachments (fs storage)', () => {
  it('uploads through a presigned URL, completes, lists, downloads, streams and deletes', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Has a spec' });
    const bytes = Buffer.from('# Spec\n\nThe API answers in JSON.\n');
    const { attachment, upload } = await initiate(task.id, { file_name: 'spec.md', content_type: 'text/markdown', file_size: bytes.length });
    expect(attachment).toMatchObject({
      task_id: task.id, project_id: w.projectId, file_name: 'spec.md', content_type: 'text/markdown', file_size: bytes.length,
      upload_status: 'pending', uploaded_by: { type: 'user', id: w.editor.id }, uploaded_at: null,
    });
    expect(attachment).not.toHaveProperty('storage_key');
    expect(upload).toMatchObject({ method: 'PUT', max_bytes: bytes.length, headers: { 'content-type': 'text/markdown' } });
    expect(Date.parse(upload.expires_at) - w.t.clock.now().getTime()).toBeGreaterThan(3500_000);

    // Pending: not listed, not readable, and not completable before the bytes arrive.
    expect(await list(task.id)).toEqual([]);
    expectError(await w.t.api('GET', `${attachments(task.id)}/${attachment.id}/download-url`, { token: w.viewer.token }), 404, 'ATTACHMENT_NOT_FOUND');
    expectError(await complete(task.id, attachment.id), 409, 'ATTACHMENT_NOT_UPLOADED');

    expectData(await putBytes(upload.url, bytes, upload.headers), 201);
    const completed = expectData(await complete(task.id, attachment.id));
    expect(completed).toMatchObject({ id: attachment.id, upload_status: 'uploaded', file_size: bytes.length, content_type: 'text/markdown', uploaded_at: expect.any(String) });
    expectError(await complete(task.id, attachment.id), 409, 'ATTACHMENT_ALREADY_UPLOADED');
    expect(await list(task.id)).toEqual([completed]);

    const db = w.t.kernel.database.knex;
    const [added] = await db('events').where({ type: 'task.attachment.added' }).whereRaw("payload->>'attachment_id' = ?", [attachment.id]);
    expect(added.payload).toEqual({ task_id: task.id, attachment_id: attachment.id, file_name: 'spec.md', file_size: bytes.length });
    const activity = expectData(await w.t.api('GET', `/projects/${w.projectId}/tasks/${task.id}/activities`, { token: w.viewer.token }));
    expect(activity.items.find((a: { activity_type: string }) => a.activity_type === 'task.attachment.added')?.content)
      .toMatchObject({ file_name: 'spec.md', file_size: bytes.length });

    const link = expectData(await w.t.api('GET', `${attachments(task.id)}/${attachment.id}/download-url`, { token: w.viewer.token }));
    expect(Math.abs(Date.parse(link.expires_at) - (w.t.clock.now().getTime() + 15 * 60_000))).toBeLessThan(2000);
    const downloaded = await w.t.api('GET', local(link.url));
    expect(downloaded.raw.body).toBe(bytes.toString());
    expect(downloaded.headers['content-disposition']).toBe('attachment; filename="spec.md"');

    const streamed = await w.t.api('GET', `${attachments(task.id)}/${attachment.id}/content`, { token: w.viewer.token });
    expect(streamed.status).toBe(200);
    expect(streamed.raw.rawPayload.equals(bytes)).toBe(true);
    expect(streamed.headers).toMatchObject({
      'content-type': 'text/markdown', 'content-length': String(bytes.length), 'content-disposition': 'attachment; filename="spec.md"', 'x-content-type-options': 'nosniff',
    });

    expectError(await w.t.api('DELETE', `${attachments(task.id)}/${attachment.id}`, { token: w.viewer.token }), 403, 'FORBIDDEN');
    expect((await w.t.api('DELETE', `${attachments(task.id)}/${attachment.id}`, { token: w.editor.token })).status).toBe(204);
    expect(await list(task.id)).toEqual([]);
    expectError(await w.t.api('GET', `${attachments(task.id)}/${attachment.id}/content`, { token: w.viewer.token }), 404, 'ATTACHMENT_NOT_FOUND');
    // The object went with the row: the old download URL finds nothing.
    expectError(await w.t.api('GET', local(link.url)), 404, 'STORAGE_OBJECT_NOT_FOUND');
    const [removed] = await db('events').where({ type: 'task.attachment.removed' }).whereRaw("payload->>'attachment_id' = ?", [attachment.id]);
    expect(removed.payload).toEqual({ task_id: task.id, attachment_id: attachment.id, file_name: 'spec.md', file_size: bytes.length });
    expectError(await w.t.api('DELETE', `${attachments(task.id)}/${attachment.id}`, { token: w.editor.token }), 404, 'ATTACHMENT_NOT_FOUND');
  });

  it('lists newest first and pages', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Many files' });
    const names = ['one.txt', 'two.txt', 'three.txt'];
    for (const name of names) {
      w.t.clock.advance(1000);
      await attach(task.id, name, Buffer.from(name));
    }
    expect((await list(task.id)).map((a) => a.file_name)).toEqual(['three.txt', 'two.txt', 'one.txt']);
    const first = expectData(await w.t.api('GET', attachments(task.id), { token: w.viewer.token, query: { page_size: '2' } }));
    expect(first.items.map((a: { file_name: string }) => a.file_name)).toEqual(['three.txt', 'two.txt']);
    const second = expectData(await w.t.api('GET', attachments(task.id), { token: w.viewer.token, query: { page_size: '2', cursor: first.next_cursor } }));
    expect(second).toMatchObject({ items: [{ file_name: 'one.txt' }], next_cursor: null });
  });

  it('refuses files over the storage limit, uploads over the declared size, and bad names or types', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Big files' });
    const tooLarge = await w.t.api('POST', `${attachments(task.id)}/initiate-upload`, { token: w.editor.token, body: { file_name: 'huge.iso', file_size: LIMIT + 1 } });
    expectError(tooLarge, 413, 'ATTACHMENT_TOO_LARGE');
    expect(tooLarge.json.error_details).toEqual({ limit_bytes: LIMIT });

    const { attachment, upload } = await initiate(task.id, { file_name: 'small.bin', file_size: 10 });
    expect(upload.max_bytes).toBe(10);
    expectError(await putBytes(upload.url, randomBytes(11), upload.headers), 413, 'PAYLOAD_TOO_LARGE');
    expectError(await complete(task.id, attachment.id), 409, 'ATTACHMENT_NOT_UPLOADED');

    for (const body of [{ file_name: 'a/b.txt', file_size: 1 }, { file_name: 'bell\u0007.txt', file_size: 1 }, { file_name: '  ', file_size: 1 }]) {
      const refused = await w.t.api('POST', `${attachments(task.id)}/initiate-upload`, { token: w.editor.token, body });
      expectError(refused, 422, 'VALIDATION_FAILED');
      expect(refused.json.error_details.issues[0].path).toBe('file_name');
    }
    const badType = await w.t.api('POST', `${attachments(task.id)}/initiate-upload`, { token: w.editor.token, body: { file_name: 'x.txt', file_size: 1, content_type: 'text/html\r\nx-evil: 1' } });
    expectError(badType, 422, 'VALIDATION_FAILED');
    expect(badType.json.error_details.issues[0].path).toBe('content_type');
    for (const body of [{ file_name: 'x.txt' }, { file_name: 'x.txt', file_size: -1 }, { file_name: '', file_size: 1 }, { file_name: 'x', file_size: 1, storage_key: 'k' }]) {
      expectError(await w.t.api('POST', `${attachments(task.id)}/initiate-upload`, { token: w.editor.token, body }), 422, 'VALIDATION_FAILED');
    }
    expect(await w.t.kernel.database.knex('plugin_tasks.attachments').where({ task_id: task.id })).toHaveLength(1);
  });

  it('reads text and images inline for agents, and refuses what it cannot show', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Agent reads' });
    const read = (id: string) => w.t.api('GET', `${attachments(task.id)}/${id}/read`, { token: w.viewer.token });

    const markdown = await attach(task.id, 'notes.md', Buffer.from('## Ünïcode notes'));
    expect(markdown.content_type).toBe('application/octet-stream');
    expect(expectData(await read(markdown.id))).toEqual({
      attachment_id: markdown.id, file_name: 'notes.md', kind: 'text', content_type: 'application/octet-stream', text: '## Ünïcode notes',
    });
    const json = await attach(task.id, 'data', Buffer.from('{"a":1}'), 'application/json; charset=utf-8');
    expect(expectData(await read(json.id))).toMatchObject({ kind: 'text', text: '{"a":1}' });
    const latin = await attach(task.id, 'old.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'text/plain; charset=iso-8859-1');
    expect(expectData(await read(latin.id))).toMatchObject({ kind: 'text', text: 'café' });

    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(64)]);
    const image = await attach(task.id, 'shot.png', png, 'image/png');
    expect(expectData(await read(image.id))).toEqual({ attachment_id: image.id, file_name: 'shot.png', kind: 'image', content_type: 'image/png', data_base64: png.toString('base64') });

    const refusals: Array<[string, Buffer, string]> = [
      ['archive.zip', randomBytes(100), 'application/zip'],
      ['broken.txt', Buffer.from([0xff, 0xfe, 0xfd]), 'text/plain'],
      ['big.log', Buffer.alloc(2 * 1024 * 1024 + 1, 0x61), 'text/plain'],
      ['big.png', Buffer.alloc(5 * 1024 * 1024 + 1), 'image/png'],
    ];
    for (const [name, bytes, type] of refusals) {
      const refused = await read((await attach(task.id, name, bytes, type)).id);
      expectError(refused, 422, 'ATTACHMENT_NOT_READABLE');
      expect(refused.json.error_details.reason).toEqual(expect.any(String));
    }
    const exactlyTwoMegabytes = await attach(task.id, 'edge.txt', Buffer.alloc(2 * 1024 * 1024, 0x62), 'text/plain');
    expect(expectData(await read(exactlyTwoMegabytes.id)).text).toHaveLength(2 * 1024 * 1024);
  });

  it('names other tasks’, other projects’ and malformed attachment ids 404 ATTACHMENT_NOT_FOUND', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Owner' });
    const other = await createTask(w.t, w.projectId, { title: 'Other' });
    const foreignTask = await createTask(w.t, w.publicProjectId, { title: 'Foreign' });
    const owned = await attach(task.id, 'mine.txt', Buffer.from('mine'));
    for (const [taskId, projectId] of [[other.id, w.projectId], [foreignTask.id, w.publicProjectId]] as const) {
      for (const suffix of ['download-url', 'content', 'read']) {
        expectError(await w.t.api('GET', `${attachments(taskId, projectId)}/${owned.id}/${suffix}`, { token: w.t.adminToken }), 404, 'ATTACHMENT_NOT_FOUND');
      }
      expectError(await w.t.api('DELETE', `${attachments(taskId, projectId)}/${owned.id}`, { token: w.t.adminToken }), 404, 'ATTACHMENT_NOT_FOUND');
      expectError(await complete(taskId, owned.id, { token: w.t.adminToken, projectId }), 404, 'ATTACHMENT_NOT_FOUND');
    }
    expectError(await w.t.api('GET', `${attachments(task.id)}/not-a-uuid/content`, { token: w.viewer.token }), 404, 'ATTACHMENT_NOT_FOUND');
    expectError(await complete(task.id, randomUUID()), 404, 'ATTACHMENT_NOT_FOUND');
    expectError(await w.t.api('GET', attachments(randomUUID()), { token: w.viewer.token }), 404, 'TASK_NOT_FOUND');
    expectError(await w.t.api('GET', attachments(foreignTask.id), { token: w.viewer.token }), 404, 'TASK_NOT_FOUND');
    expect((await list(task.id)).map((a) => a.id)).toEqual([owned.id]);
  });

  it('lets Viewers and anonymous readers of a public project read, and only writers upload or delete', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Guarded' });
    const file = await attach(task.id, 'guarded.txt', Buffer.from('guarded'));
    expectError(await w.t.api('POST', `${attachments(task.id)}/initiate-upload`, { token: w.viewer.token, body: { file_name: 'x.txt', file_size: 1 } }), 403, 'FORBIDDEN');
    expectError(await complete(task.id, file.id, { token: w.viewer.token }), 403, 'FORBIDDEN');
    expectError(await w.t.api('GET', attachments(task.id)), 401, 'AUTH_UNAUTHENTICATED');
    expect([403, 404]).toContain((await w.t.api('GET', attachments(task.id), { token: w.outsider.token })).status);
    expect(expectData(await w.t.api('GET', `${attachments(task.id)}/${file.id}/read`, { token: w.viewer.token })).text).toBe('guarded');

    const open = await createTask(w.t, w.publicProjectId, { title: 'Open' });
    const shared = await attach(open.id, 'open.txt', Buffer.from('for everyone'), 'text/plain', { projectId: w.publicProjectId, token: w.t.adminToken });
    expect((await list(open.id, '', w.publicProjectId)).map((a) => a.id)).toEqual([shared.id]);
    const anonymous = await w.t.api('GET', `${attachments(open.id, w.publicProjectId)}/${shared.id}/content`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.raw.body).toBe('for everyone');
    expectData(await w.t.api('GET', `${attachments(open.id, w.publicProjectId)}/${shared.id}/download-url`));
    expectError(await w.t.api('POST', `${attachments(open.id, w.publicProjectId)}/initiate-upload`, { body: { file_name: 'x.txt', file_size: 1 } }), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await w.t.api('DELETE', `${attachments(open.id, w.publicProjectId)}/${shared.id}`), 401, 'AUTH_UNAUTHENTICATED');
    expect((await list(open.id, '', w.publicProjectId))).toHaveLength(1);
  });

  it('offers non-ASCII names through filename* on download', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Names' });
    const file = await attach(task.id, 'Bericht "März".pdf', Buffer.from('%PDF'), 'application/pdf');
    const streamed = await w.t.api('GET', `${attachments(task.id)}/${file.id}/content`, { token: w.viewer.token });
    expect(streamed.headers['content-disposition']).toBe(`attachment; filename="Bericht _M_rz_.pdf"; filename*=UTF-8''Bericht%20%22M%C3%A4rz%22.pdf`);
    const link = expectData(await w.t.api('GET', `${attachments(task.id)}/${file.id}/download-url`, { token: w.viewer.token }));
    expect((await w.t.api('GET', local(link.url))).headers['content-disposition']).toBe(streamed.headers['content-disposition']);
  });
});
