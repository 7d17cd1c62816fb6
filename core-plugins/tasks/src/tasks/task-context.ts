import type { ListScope, PluginDb } from '@paca/plugin-sdk';
import { attachmentView, type AttachmentRow } from '../attachment-view.js';
import { customFieldView, type CustomFieldRow } from '../custom-field-view.js';
import { linksOfTask, taskLinkView } from '../link-view.js';
import type { TasksContext } from '../plugin-context.js';
import { boardOrder, taskStatusView } from '../task-status-view.js';
import { taskTypeView, type TaskTypeRow } from '../task-type-view.js';
import { taskColumns, type TaskRow } from '../task-lookup.js';
import { applyScope, inScope, visibleEntries } from '../task-scope.js';
import { loadTask, loadTasks, taskViews } from './task-view.js';

const RECENT_ACTIVITIES = 20;

/**
 * `GET /tasks/:taskId/context`, the MCP `get_task` composite (D31): the task with what an agent
 * needs to work on it in one call — its project, the project's workflow (statuses, types, custom
 * fields), members, parent and subtasks, links, uploaded attachments, recent activity and sprint.
 */
export async function taskContext(ctx: TasksContext, db: PluginDb, projectId: string, taskId: string, scope: ListScope) {
  const task = await loadTask(db, projectId, taskId);
  // Family and links follow the caller's entity rules (D15) like the list does.
  const parentId = task.parent_task_id && inScope(scope, task.parent_task_id) ? task.parent_task_id : null;
  const subtaskQuery = db('tasks').where({ project_id: projectId, parent_task_id: taskId }).whereNull('deleted_at').orderBy('task_number')
    .select(taskColumns(db));
  applyScope(subtaskQuery, scope, 'id');
  const [project, statusRows, typeRows, members, parents, subtaskRows, linkRows, attachmentRows, activities, customFields, sprints] = await Promise.all([
    ctx.projects.get(db, projectId),
    boardOrder(db, projectId),
    db('task_types').where({ project_id: projectId }).orderBy(['position', 'id']) as Promise<TaskTypeRow[]>,
    ctx.members.list(db, projectId),
    loadTasks(db, projectId, parentId ? [parentId] : []),
    subtaskQuery as Promise<TaskRow[]>,
    linksOfTask(db, projectId, taskId, scope).orderBy([{ column: 'l.created_at' }, { column: 'l.id' }]),
    db('attachments').where({ project_id: projectId, task_id: taskId, upload_status: 'uploaded' }).orderBy(['created_at', 'id']) as Promise<AttachmentRow[]>,
    ctx.activity.list(db, { projectId, entityType: 'task', entityId: taskId, limit: RECENT_ACTIVITIES }),
    db('custom_fields').where({ project_id: projectId }).orderBy(['position', 'id']) as Promise<CustomFieldRow[]>,
    task.sprint_id ? ctx.references.resolve(projectId, 'sprint_id', [task.sprint_id]) : Promise.resolve([]),
  ]);
  // The route's gate checked the project is live.
  const { id, name, task_id_prefix: prefix } = project!;
  const statuses = statusRows.map(taskStatusView);
  const types = typeRows.map(taskTypeView);
  return {
    task,
    project: { id, name, task_id_prefix: prefix },
    status: statuses.find((s) => s.id === task.status_id) ?? null,
    type: types.find((t) => t.id === task.task_type_id) ?? null,
    statuses,
    types,
    members,
    parent: parents[0] ?? null,
    subtasks: await taskViews(db, subtaskRows),
    links: (linkRows as Parameters<typeof taskLinkView>[0][]).map((row) => taskLinkView(row, taskId, prefix)),
    attachments: attachmentRows.map(attachmentView),
    activities: visibleEntries(activities.items, scope),
    custom_field_definitions: customFields.map(customFieldView),
    sprint: sprints[0] ?? null,
  };
}
