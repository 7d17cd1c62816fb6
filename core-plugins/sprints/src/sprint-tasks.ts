import type { Task, TasksService } from '@paca/plugin-tasks';

/** Every live task of a sprint (or of the backlog for null), through the tasks service's pages. */
export async function tasksOf(tasks: TasksService, projectId: string, sprintId: string | null): Promise<Task[]> {
  const all: Task[] = [];
  let cursor: string | undefined;
  do {
    const page = await tasks.list(projectId, { sprintId, pageSize: 200, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return all;
}

/** The project's statuses whose category is `done`: finished work, whatever the status is called. */
export async function doneStatusIds(tasks: TasksService, projectId: string): Promise<Set<string>> {
  return new Set((await tasks.statuses(projectId)).filter((s) => s.category === 'done').map((s) => s.id));
}

export interface Progress {
  task_count: number;
  done_task_count: number;
  story_points: number;
  done_story_points: number;
}

/** Story points of unestimated tasks count as 0. */
export const points = (value: number | null | undefined): number => Number(value ?? 0);

export function progressOf(list: readonly Task[], done: ReadonlySet<string>): Progress {
  const finished = list.filter((t) => done.has(t.status_id));
  const sum = (items: readonly Task[]) => items.reduce((total, t) => total + points(t.story_points), 0);
  return { task_count: list.length, done_task_count: finished.length, story_points: sum(list), done_story_points: sum(finished) };
}
