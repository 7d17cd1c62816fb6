import type { PluginDb, PrincipalRef, ProjectRef } from '@paca/plugin-sdk';
import type { ViewInput } from '@paca/plugin-tasks';
import type { SprintsContext } from './plugin-context.js';

/*
 * The default tabs of the reference (1.6): a new project gets a backlog Table grouped by sprint
 * (tasks without one under "Unassigned") and a timeline Roadmap of epics; a new sprint gets a
 * Board by status and a Table. Views live in tasks (they order tasks); sprints creates them
 * through the tasks service. The configs are what the web shell reads.
 */

const TABLE_FIELDS = ['key', 'title', 'status', 'type', 'assignees', 'importance', 'story_points', 'sprint'];

const projectViews: ViewInput[] = [
  {
    name: 'Backlog', view_type: 'table', view_context: 'backlog', sprint_id: null,
    config: { fields: TABLE_FIELDS, column_by: 'sprint', empty_group_label: 'Unassigned', sort_by: 'manual', field_sum: 'count' },
  },
  {
    name: 'Roadmap', view_type: 'roadmap', view_context: 'timeline', sprint_id: null,
    config: { fields: ['key', 'title', 'status', 'start_date', 'due_date'], filters: { system_type: 'epic' }, sort_by: 'start_date' },
  },
];

const sprintViews = (sprintId: string): ViewInput[] => [
  { name: 'Board', view_type: 'board', view_context: 'sprint', sprint_id: sprintId, config: { column_by: 'status', swimlanes: null, sort_by: 'manual', field_sum: 'count' } },
  { name: 'Table', view_type: 'table', view_context: 'sprint', sprint_id: sprintId, config: { fields: TABLE_FIELDS, column_by: 'status', sort_by: 'manual', field_sum: 'count' } },
];

/**
 * D20 hook for new projects and for projects that existed before sprints was installed. The
 * project's counter row doubles as the "already seeded" mark, so a project is seeded once.
 */
export function seedProjectViews(ctx: SprintsContext) {
  return async (db: PluginDb, project: ProjectRef): Promise<void> => {
    const created = await db('sprint_counters').insert({ project_id: project.id, last_value: 0 }).onConflict('project_id').ignore().returning('project_id');
    if (created.length === 0) return;
    for (const view of projectViews) await ctx.tasks.createView(project.id, view, null);
  };
}

export async function seedSprintViews(ctx: SprintsContext, projectId: string, sprintId: string, actor: PrincipalRef | null): Promise<void> {
  for (const view of sprintViews(sprintId)) await ctx.tasks.createView(projectId, view, actor);
}
