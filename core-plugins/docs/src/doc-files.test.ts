import { expectData, expectError, type ApiResponse } from '@paca/kernel/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDoc, docsUrl, eventsAbout, startDocsWorld, type DocsWorld } from './docs-world.fixture.js';

// Files embedded in documents, on the default fs storage: presigned upload, completion, download, delete.

const LIMIT = 1024 * 1024;
let w: DocsWorld;
const files = (docId: string) => docsUrl(w, `/${docId}/files`);
/** Path and query of a presigned fs URL: the kernel serves it, `inject` reaches it without a socket. */
const local = (url: string) => `${new URL(url).pathname}${new URL(url).search}`;

async function putBytes(url: string, bytes: Buffer, headers: Record<string, string>): Promise<ApiResponse> {
  const response = await w.t.kernel.app.inject({ method: 'PUT', url: local(url), payload: bytes, headers: { 'content-type': 'application/octet-stream', ...headers } });
  return { status: response.statusCode, json: JSON.parse(response.body), headers: response.headers, cookies: [], raw: response };
}
const initiate = (docId: string, body: Record<string, unknown>, token = w.editor.token) => w.t.api('POST', `${files(docId)}/initiate-upload`, { token, body });
const complete = (docId: string, fileId: string, token = w.editor.token) => w.t.api('POST', `${files(docId)}/complete-upload`, { token, body: { file_id: fileId } });
const list = async (docId: string) => expectData(await w.t.api('GET', files(docId), { token: w.viewer.token })).items;

beforeAll(async () => { w = await startDocsWorld({ env: { STORAGE_MAX_OBJECT_BYTES: String(LIMIT) } }); });
afterAll(() => w?.t.close());

describe('doc files (fs storage)', () => {
  it('uploads through a presigned URL, completes, lists, downloads and deletes', async () => {
    const doc = await createDoc(w, { title: 'Illustrated' });
    const bytes = Buffer.from('\x89PNG fake image bytes');
    const { file, upload } = expectData(await initiate(doc.id, { file_name: 'diagram.png', content_type: 'image/png', file_size: bytes.length }), 201);
    expect(file).toMatchObject({ document_id: doc.id, project_id: w.projectId, file_name: 'diagram.png', content_type: 'image/png', file_size: bytes.length, status: 'pending', created_by: { type: 'user', id: w.editor.id } });
    expect(file).not.toHaveProperty('storage_key');
    expect(upload).toMatchObject({ method: 'PUT', max_bytes: bytes.length });

    expect(await list(doc.id)).toEqual([]);
    expectError(await w.t.api('GET', `${files(doc.id)}/${file.id}/download-url`, { token: w.viewer.token }), 404, 'DOC_FILE_NOT_FOUND');
    expectError(await complete(doc.id, file.id), 409, 'DOC_FILE_NOT_UPLOADED');
    expectData(await putBytes(upload.url, bytes, upload.headers), 201);
    const completed = expectData(await complete(doc.id, file.id));
    expect(completed).toMatchObject({ id: file.id, status: 'complete', file_size: bytes.length });
    expectError(await complete(doc.id, file.id), 409, 'DOC_FILE_ALREADY_UPLOADED');
    expect(await list(doc.id)).toEqual([completed]);
    const [added] = await eventsAbout(w, 'doc.file.added', doc.id);
    expect(added.payload).toEqual({ doc_id: doc.id, file_id: file.id, file_name: 'diagram.png', file_size: bytes.length });

    const link = expectData(await w.t.api('GET', `${files(doc.id)}/${file.id}/download-url`, { token: w.viewer.token }));
    expect(Math.abs(Date.parse(link.expires_at) - (w.t.clock.now().getTime() + 15 * 60_000))).toBeLessThan(2000);
    expect((await w.t.api('GET', local(link.url))).raw.rawPayload.equals(bytes)).toBe(true);

    expectError(await w.t.api('DELETE', `${files(doc.id)}/${file.id}`, { token: w.viewer.token }), 403, 'FORBIDDEN');
    expect((await w.t.api('DELETE', `${files(doc.id)}/${file.id}`, { token: w.editor.token })).status).toBe(204);
    expect(await list(doc.id)).toEqual([]);
    expect((await w.t.api('GET', local(link.url))).status).toBe(404);
    expect(await eventsAbout(w, 'doc.file.removed', doc.id)).toHaveLength(1);
  });

  it('refuses bad names, oversize files, unknown ids and other documents\' files', async () => {
    const doc = await createDoc(w, { title: 'Guarded files' });
    const other = await createDoc(w, { title: 'Other files' });
    expectError(await initiate(doc.id, { file_name: 'a/b.png', file_size: 1 }), 422, 'VALIDATION_FAILED');
    expectError(await initiate(doc.id, { file_name: 'big.bin', file_size: LIMIT + 1 }), 413, 'DOC_FILE_TOO_LARGE');
    expectError(await initiate(doc.id, { file_name: 'x', file_size: 1, content_type: 'not a type' }), 422, 'VALIDATION_FAILED');
    expectError(await initiate(randomUUID(), { file_name: 'x', file_size: 1 }), 404, 'DOC_NOT_FOUND');
    expectError(await initiate(doc.id, { file_name: 'x', file_size: 1 }, w.viewer.token), 403, 'FORBIDDEN');
    const { file } = expectData(await initiate(doc.id, { file_name: 'x.txt', file_size: 1 }), 201);
    expectError(await complete(other.id, file.id), 404, 'DOC_FILE_NOT_FOUND');
    expectError(await complete(doc.id, 'not-a-uuid'), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('DELETE', `${files(doc.id)}/not-a-uuid`, { token: w.editor.token }), 404, 'DOC_FILE_NOT_FOUND');
    expectError(await w.t.api('GET', `${files(doc.id)}/${randomUUID()}/download-url`, { token: w.viewer.token }), 404, 'DOC_FILE_NOT_FOUND');
  });
});
