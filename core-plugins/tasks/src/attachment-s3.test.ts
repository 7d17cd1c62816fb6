import { expectData, expectError, startTestS3Server, type TestS3Server } from '@paca/kernel/testing';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, startTasksWorld, type TasksWorld } from './tasks-world.fixture.js';

// The same attachment flow against a signature-checking S3 server (D12): the client talks to the
// bucket directly, and S3 cannot cap a presigned PUT, so complete-upload checks the size.

let w: TasksWorld;
let s3: TestS3Server;
const credentials = { accessKeyId: 'paca-tasks', secretAccessKey: randomBytes(20).toString('hex') };
const attachments = (taskId: string) => `/projects/${w.projectId}/tasks/${taskId}/attachments`;

async function initiate(taskId: string, body: Record<string, unknown>) {
  return expectData(await w.t.api('POST', `${attachments(taskId)}/initiate-upload`, { token: w.editor.token, body }), 201) as {
    attachment: { id: string }; upload: { url: string; method: string; headers: Record<string, string> };
  };
}

const complete = (taskId: string, attachmentId: string) =>
  w.t.api('POST', `${attachments(taskId)}/complete-upload`, { token: w.editor.token, body: { attachment_id: attachmentId } });

beforeAll(async () => {
  s3 = await startTestS3Server(credentials);
  w = await startTasksWorld({
    env: {
      STORAGE_PROVIDER: 's3', STORAGE_ENDPOINT: s3.endpoint, STORAGE_BUCKET: 'paca-tasks-attachments',
      STORAGE_ACCESS_KEY_ID: credentials.accessKeyId, STORAGE_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
  });
});
afterAll(async () => {
  await w?.t.close();
  await s3?.close();
});

describe('task attachments (S3 storage)', () => {
  it('uploads straight to the bucket, completes, downloads through a presigned URL and the API, and deletes the object', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Stored in S3' });
    const bytes = randomBytes(50_000);
    const { attachment, upload } = await initiate(task.id, { file_name: 'capture.pcap', content_type: 'application/vnd.tcpdump.pcap', file_size: bytes.length });
    expect(upload.url.startsWith(s3.endpoint)).toBe(true);
    expectError(await complete(task.id, attachment.id), 409, 'ATTACHMENT_NOT_UPLOADED');

    const put = await fetch(upload.url, { method: upload.method, body: bytes, headers: upload.headers });
    expect(put.status, await put.clone().text()).toBe(200);
    const completed = expectData(await complete(task.id, attachment.id));
    expect(completed).toMatchObject({ upload_status: 'uploaded', file_size: bytes.length, content_type: 'application/vnd.tcpdump.pcap' });

    const link = expectData(await w.t.api('GET', `${attachments(task.id)}/${attachment.id}/download-url`, { token: w.viewer.token }));
    const downloaded = await fetch(link.url);
    expect(downloaded.status).toBe(200);
    expect(downloaded.headers.get('content-disposition')).toBe('attachment; filename="capture.pcap"');
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(bytes)).toBe(true);

    const streamed = await w.t.api('GET', `${attachments(task.id)}/${attachment.id}/content`, { token: w.viewer.token });
    expect(streamed.status).toBe(200);
    expect(streamed.headers['content-length']).toBe(String(bytes.length));
    expect(streamed.raw.rawPayload.equals(bytes)).toBe(true);

    expect((await w.t.api('DELETE', `${attachments(task.id)}/${attachment.id}`, { token: w.editor.token })).status).toBe(204);
    expect((await fetch(link.url)).status).toBe(404);
  });

  it('refuses at completion an object larger than declared, deleting it, and accepts a correct retry', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Oversize' });
    const { attachment, upload } = await initiate(task.id, { file_name: 'notes.txt', content_type: 'text/plain', file_size: 5 });
    expect((await fetch(upload.url, { method: 'PUT', body: 'more than five bytes', headers: upload.headers })).status).toBe(200);
    const refused = await complete(task.id, attachment.id);
    expectError(refused, 413, 'ATTACHMENT_TOO_LARGE');
    expect(refused.json.error_details).toEqual({ limit_bytes: 5 });
    expectError(await complete(task.id, attachment.id), 409, 'ATTACHMENT_NOT_UPLOADED');
    expect(expectData(await w.t.api('GET', attachments(task.id), { token: w.viewer.token })).items).toEqual([]);

    expect((await fetch(upload.url, { method: 'PUT', body: 'hello', headers: upload.headers })).status).toBe(200);
    expect(expectData(await complete(task.id, attachment.id))).toMatchObject({ upload_status: 'uploaded', file_size: 5 });
    expect(expectData(await w.t.api('GET', `${attachments(task.id)}/${attachment.id}/read`, { token: w.viewer.token }))).toMatchObject({ kind: 'text', text: 'hello' });
  });
});
