import { expectData, type StartTestKernelOptions, type TestKernel } from '@paca/kernel/testing';
import { startTasksWorld, type TasksWorld } from '../../tasks/src/tasks-world.fixture.js';

/*
 * The sprints suites' world: the tasks world (a project with an Editor, a Viewer, an outsider and
 * a public project, core plugins loaded from core-plugins/), plus helpers speaking sprints' REST.
 */

export type SprintsWorld = TasksWorld;

export const startSprintsWorld = (options: StartTestKernelOptions = {}): Promise<SprintsWorld> => startTasksWorld(options);

export const sprintsUrl = (projectId: string) => `/projects/${projectId}/sprints`;
export const sprintUrl = (projectId: string, sprintId: string) => `${sprintsUrl(projectId)}/${sprintId}`;

export async function createSprint(t: TestKernel, projectId: string, body?: Record<string, unknown>, token = t.adminToken) {
  return expectData(await t.api('POST', sprintsUrl(projectId), { token, ...(body ? { body } : {}) }), 201);
}

export async function startSprint(t: TestKernel, projectId: string, sprintId: string, body: Record<string, unknown> = {}, token = t.adminToken) {
  return expectData(await t.api('POST', `${sprintUrl(projectId, sprintId)}/start`, { token, body }));
}

export async function completeSprint(t: TestKernel, projectId: string, sprintId: string, body: Record<string, unknown> = {}, token = t.adminToken) {
  return expectData(await t.api('POST', `${sprintUrl(projectId, sprintId)}/complete`, { token, body }));
}

export async function moveIntoSprint(t: TestKernel, projectId: string, sprintId: string, taskIds: string[], token = t.adminToken) {
  return expectData(await t.api('POST', `${sprintUrl(projectId, sprintId)}/tasks`, { token, body: { task_ids: taskIds } }));
}
