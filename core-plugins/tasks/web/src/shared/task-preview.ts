import type { Task } from './task-types.js';

/*
 * The task a view hands to the detail it opens. A board or table already holds the task it lists,
 * so the drawer can draw it in the same frame as the click and refresh it from the API behind
 * (stale-while-revalidate) instead of showing a skeleton for a round trip. Only the last offer is
 * kept: a preview is for the very next open, never a cache that could go stale for long.
 */
let offered: { projectId: string; task: Task } | null = null;

/** Offers `task` to the detail about to open it. */
export function offerTaskPreview(projectId: string, task: Task): void {
  offered = { projectId, task: { ...task } };
}

/** The offered task when `ref` (its id or key, any case) names it in `projectId`; taken once. */
export function takeTaskPreview(projectId: string, ref: string): Task | null {
  const candidate = offered;
  if (!candidate || candidate.projectId !== projectId) return null;
  const named = ref === candidate.task.id || ref.toUpperCase() === candidate.task.key.toUpperCase();
  if (!named) return null;
  offered = null;
  return candidate.task;
}
