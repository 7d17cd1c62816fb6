import { expectData, startTestKernel, type StartTestKernelOptions, type TestKernel, type TestUser } from '@paca/kernel/testing';

/*
 * Test setup shared by the docs plugin's suites: a kernel with the core plugins (docs included,
 * loaded from core-plugins/ like in production), a private project with two Editors, a Viewer
 * and an outsider with no roles, and a public project.
 */

export interface DocsWorld {
  t: TestKernel;
  admin: { token: string };
  editor: TestUser;
  /** A second Editor: another author for history and comments. */
  writer: TestUser;
  viewer: TestUser;
  /** No platform roles, not a member of anything. */
  outsider: TestUser;
  projectId: string;
  /** Public, with the admin as its only member. */
  publicProjectId: string;
}

export async function createProject(t: TestKernel, name: string, options: { isPublic?: boolean } = {}) {
  const body: Record<string, unknown> = { name, ...(options.isPublic ? { is_public: true } : {}) };
  return expectData(await t.api('POST', '/projects', { token: t.adminToken, body }), 201) as { id: string };
}

async function addMember(t: TestKernel, projectId: string, user: { id: string }, roleName: 'Editor' | 'Viewer'): Promise<void> {
  const roles = expectData(await t.api('GET', `/projects/${projectId}/roles`, { token: t.adminToken }));
  const role = roles.items.find((r: { name: string }) => r.name === roleName);
  expectData(await t.api('POST', `/projects/${projectId}/members`, { token: t.adminToken, body: { user_id: user.id, role_ids: [role.id] } }), 201);
}

export async function startDocsWorld(options: StartTestKernelOptions = {}): Promise<DocsWorld> {
  const t = await startTestKernel(options);
  const suffix = Math.random().toString(36).slice(2, 8);
  const project = await createProject(t, `Docs ${suffix}`);
  const publicProject = await createProject(t, `Public docs ${suffix}`, { isPublic: true });
  const [editor, writer, viewer] = [await t.createUser(), await t.createUser(), await t.createUser()];
  const outsider = await t.createUser({ platformRoles: [] });
  await addMember(t, project.id, editor, 'Editor');
  await addMember(t, project.id, writer, 'Editor');
  await addMember(t, project.id, viewer, 'Viewer');
  return { t, admin: { token: t.adminToken }, editor, writer, viewer, outsider, projectId: project.id, publicProjectId: publicProject.id };
}

/** `/projects/:projectId/docs…` of the world's project unless another is given. */
export const docsUrl = (world: DocsWorld, rest = '', projectId = world.projectId) => `/projects/${projectId}/docs${rest}`;

/** Creates a document as `token` (default the editor) and returns its data. */
export async function createDoc(world: DocsWorld, body: Record<string, unknown>, token = world.editor.token, projectId = world.projectId) {
  return expectData(await world.t.api('POST', docsUrl(world, '', projectId), { token, body }), 201);
}

/** Creates a folder as `token` (default the editor) and returns its data. */
export async function createFolder(world: DocsWorld, body: Record<string, unknown>, token = world.editor.token, projectId = world.projectId) {
  return expectData(await world.t.api('POST', docsUrl(world, '/folders', projectId), { token, body }), 201);
}

/** The outbox events of a type about one document or folder, oldest first. */
export function eventsAbout(world: DocsWorld, type: string, id: string) {
  return world.t.kernel.database.knex('events').where({ type })
    .where((q) => q.whereRaw("payload->>'doc_id' = ?", [id]).orWhereRaw("payload->>'folder_id' = ?", [id])).orderBy('id');
}
