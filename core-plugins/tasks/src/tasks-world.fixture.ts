import { expectData, startTestKernel, type StartTestKernelOptions, type TestKernel, type TestUser } from '@paca/kernel/testing';

/*
 * Test setup shared by the tasks plugin's suites: a kernel with the core plugins (tasks
 * included, loaded from core-plugins/ like in production), a private project with an Editor, a
 * Viewer and an outsider with no roles, and a public project.
 */

export interface TasksWorld {
  t: TestKernel;
  admin: { token: string; memberId: string };
  editor: TestUser & { memberId: string };
  viewer: TestUser & { memberId: string };
  /** No platform roles, not a member of anything. */
  outsider: TestUser;
  projectId: string;
  prefix: string;
  /** Public, with the admin as its only member. */
  publicProjectId: string;
  /** The seeded statuses of `projectId`, by category. */
  statuses: Record<'backlog' | 'refinement' | 'ready' | 'todo' | 'inprogress' | 'done', string>;
  /** The seeded types of `projectId`: Task (default), Epic, Subtask. */
  types: { task: string; epic: string; subtask: string };
}

export async function createProject(t: TestKernel, name: string, options: { isPublic?: boolean; token?: string } = {}) {
  const body: Record<string, unknown> = { name };
  if (options.isPublic) body.is_public = true;
  return expectData(await t.api('POST', '/projects', { token: options.token ?? t.adminToken, body }), 201) as { id: string; task_id_prefix: string };
}

export async function addMember(t: TestKernel, projectId: string, user: { id: string }, roleName: 'Admin' | 'Editor' | 'Viewer'): Promise<string> {
  const roles = expectData(await t.api('GET', `/projects/${projectId}/roles`, { token: t.adminToken }));
  const role = roles.items.find((r: { name: string }) => r.name === roleName);
  const member = expectData(await t.api('POST', `/projects/${projectId}/members`, { token: t.adminToken, body: { user_id: user.id, role_ids: [role.id] } }), 201);
  return member.id as string;
}

export async function memberIdOf(t: TestKernel, projectId: string, userId: string): Promise<string> {
  const members = expectData(await t.api('GET', `/projects/${projectId}/members?page_size=200`, { token: t.adminToken }));
  const member = members.items.find((m: { user_id: string | null }) => m.user_id === userId);
  if (!member) throw new Error(`user ${userId} is not a member of ${projectId}`);
  return member.id as string;
}

export async function startTasksWorld(options: StartTestKernelOptions = {}): Promise<TasksWorld> {
  const t = await startTestKernel(options);
  const project = await createProject(t, `Tasks ${Math.random().toString(36).slice(2, 8)}`);
  const publicProject = await createProject(t, `Public ${Math.random().toString(36).slice(2, 8)}`, { isPublic: true });
  const editorUser = await t.createUser();
  const viewerUser = await t.createUser();
  const outsider = await t.createUser({ platformRoles: [] });
  const editor = { ...editorUser, memberId: await addMember(t, project.id, editorUser, 'Editor') };
  const viewer = { ...viewerUser, memberId: await addMember(t, project.id, viewerUser, 'Viewer') };
  const adminUser = expectData(await t.api('GET', '/users/me', { token: t.adminToken }));
  // Read from the plugin's schema so suites do not depend on each other's routes.
  const db = t.kernel.database.knex;
  const statusList = (await db('plugin_tasks.task_statuses').where({ project_id: project.id })) as Array<{ id: string; category: string }>;
  const typeList = (await db('plugin_tasks.task_types').where({ project_id: project.id })) as Array<{ id: string; name: string }>;
  const statuses = Object.fromEntries(statusList.map((s) => [s.category, s.id])) as TasksWorld['statuses'];
  const typeId = (name: string) => typeList.find((x) => x.name === name)?.id ?? '';
  return {
    t,
    admin: { token: t.adminToken, memberId: await memberIdOf(t, project.id, adminUser.id) },
    editor, viewer, outsider,
    projectId: project.id, prefix: project.task_id_prefix, publicProjectId: publicProject.id,
    statuses, types: { task: typeId('Task'), epic: typeId('Epic'), subtask: typeId('Subtask') },
  };
}

/** Creates a task as `token` (default admin) and returns its data. */
export async function createTask(t: TestKernel, projectId: string, body: Record<string, unknown>, token = t.adminToken) {
  return expectData(await t.api('POST', `/projects/${projectId}/tasks`, { token, body }), 201);
}
