import { PRIORITIES, shortDate } from '@paca/plugin-sdk/web';
import type { ActivityEntry, FieldChange } from './detail-api.js';
import { LINK_LABELS, type DisplayLinkType } from './detail-api.js';

/** Names for the ids a change records (statuses, types, members, sprints, tasks, custom fields). */
export interface NameResolver {
  status(id: string): string | undefined;
  type(id: string): string | undefined;
  member(id: string): string | undefined;
  sprint(id: string): string | undefined;
  task(id: string): string | undefined;
  customField(key: string): string | undefined;
}

/** One readable line of a field change: "changed **Status** from Todo → In progress". */
export interface ChangeLine {
  field: string;
  label: string;
  /** "set", "cleared", "changed", "added", "removed" … the verb before the values. */
  verb: string;
  from?: string;
  to?: string;
}

const FIELD_LABELS: Record<string, string> = {
  title: 'title', description: 'description', importance: 'priority', story_points: 'estimate', sprint_id: 'sprint',
  status_id: 'status', task_type_id: 'type', parent_task_id: 'parent', assignee_ids: 'assignees', reporter_id: 'reporter',
  tags: 'labels', start_date: 'start date', due_date: 'due date', assignment_mode: 'assignment',
};

export const priorityLabel = (importance: unknown) => {
  const level = Math.max(0, Math.min(4, Number(importance) || 0));
  return PRIORITIES[level]?.label ?? 'No priority';
};

const unknownName = (id: string) => `${id.slice(0, 8)}…`;

function valueText(field: string, value: unknown, names: NameResolver): string {
  if (value === null || value === undefined || value === '') return 'none';
  const id = String(value);
  switch (field) {
    case 'status_id': return names.status(id) ?? 'a deleted status';
    case 'task_type_id': return names.type(id) ?? 'a deleted type';
    case 'reporter_id': return names.member(id) ?? 'a former member';
    case 'sprint_id': return names.sprint(id) ?? 'a sprint';
    case 'parent_task_id': return names.task(id) ?? unknownName(id);
    case 'importance': return priorityLabel(value);
    case 'start_date': case 'due_date': return shortDate(id);
    case 'assignment_mode': return id === 'auto' ? 'automatic' : 'manual';
    default:
      if (Array.isArray(value)) return value.map(String).join(', ');
      if (typeof value === 'boolean') return value ? 'yes' : 'no';
      return id.length > 80 ? `${id.slice(0, 80)}…` : id;
  }
}

/** Lists added and removed, for the array fields (assignees, labels, multi-selects). */
function listLines(field: string, label: string, oldValue: unknown, newValue: unknown, name: (v: string) => string): ChangeLine[] {
  const before = new Set(Array.isArray(oldValue) ? oldValue.map(String) : []);
  const after = new Set(Array.isArray(newValue) ? newValue.map(String) : []);
  const added = [...after].filter((v) => !before.has(v)).map(name);
  const removed = [...before].filter((v) => !after.has(v)).map(name);
  const lines: ChangeLine[] = [];
  if (added.length) lines.push({ field, label, verb: 'added', to: added.join(', ') });
  if (removed.length) lines.push({ field, label, verb: 'removed', from: removed.join(', ') });
  return lines;
}

/** The readable lines of one `task.updated` change. */
export function describeChange(change: FieldChange, names: NameResolver): ChangeLine[] {
  const custom = /^custom_fields\.(.+)$/.exec(change.field);
  const label = custom ? (names.customField(custom[1]!) ?? custom[1]!) : (FIELD_LABELS[change.field] ?? change.field.replace(/_/g, ' '));
  if (change.field === 'assignee_ids') return listLines(change.field, label, change.old, change.new, (id) => names.member(id) ?? 'a former member');
  if (change.field === 'tags' || Array.isArray(change.new) || Array.isArray(change.old)) return listLines(change.field, label, change.old, change.new, String);
  if (change.field === 'description') return [{ field: change.field, label, verb: change.new ? 'updated' : 'cleared' }];
  const empty = (v: unknown) => v === null || v === undefined || v === '';
  if (empty(change.old)) return [{ field: change.field, label, verb: 'set', to: valueText(change.field, change.new, names) }];
  if (empty(change.new)) return [{ field: change.field, label, verb: 'cleared', from: valueText(change.field, change.old, names) }];
  return [{ field: change.field, label, verb: 'changed', from: valueText(change.field, change.old, names), to: valueText(change.field, change.new, names) }];
}

export function changesOf(entry: ActivityEntry): FieldChange[] {
  const changes = entry.content.changes;
  return Array.isArray(changes) ? (changes as FieldChange[]).filter((c) => c && typeof c.field === 'string') : [];
}

/** A one-line summary of the entries that are not field changes or comments. */
export function describeEvent(entry: ActivityEntry): string {
  const c = entry.content as Record<string, unknown>;
  switch (entry.activity_type) {
    case 'task.created': return 'created the task';
    case 'task.deleted': return 'deleted the task';
    case 'task.link.added': return `linked ${String(c.target_key ?? 'a task')} (${(LINK_LABELS[c.link_type as DisplayLinkType] ?? String(c.link_type ?? '')).toLowerCase()})`;
    case 'task.link.removed': return `removed the link to ${String(c.target_key ?? 'a task')}`;
    case 'task.attachment.added': return `attached ${String(c.file_name ?? 'a file')}`;
    case 'task.attachment.removed': return `removed the attachment ${String(c.file_name ?? '')}`.trim();
    default: return entry.activity_type.replace(/^task\./, '').replace(/[._]/g, ' ');
  }
}

export function actorName(entry: ActivityEntry): string {
  if (!entry.actor) return 'System';
  return entry.actor.full_name || entry.actor.username || (entry.actor.type === 'agent' ? 'Agent' : 'Someone');
}
