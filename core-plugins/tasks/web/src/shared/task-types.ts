// The tasks plugin's records as its REST API returns them (core-plugins/tasks/src/*-view.ts and
// the kernel's member routes). Client code reads these; keep them in step with the server views.

export type StatusCategory = 'backlog' | 'refinement' | 'ready' | 'todo' | 'inprogress' | 'done';

export interface PrincipalRef {
  type: 'user' | 'agent' | string;
  id: string;
}

/** A task (`GET /projects/:projectId/tasks/:taskId`). `importance` is what the UI calls priority (0 none … 4 urgent). */
export interface Task {
  id: string;
  project_id: string;
  task_number: number;
  /** `PREFIX-N`. */
  key: string;
  title: string;
  /** Markdown. */
  description: string | null;
  importance: number;
  story_points: number | null;
  sprint_id: string | null;
  status_id: string;
  task_type_id: string;
  parent_task_id: string | null;
  /** Member ids (project_members.id), humans and agents. */
  assignee_ids: string[];
  reporter_id: string | null;
  tags: string[];
  custom_fields: Record<string, unknown>;
  start_date: string | null;
  due_date: string | null;
  assignment_mode: 'manual' | 'auto';
  version: number;
  created_by: PrincipalRef | null;
  created_at: string;
  updated_at: string;
}

/** The writable fields of a task; in a PATCH, absent = unchanged, null = clear; send `version`. */
export type TaskPatch = Partial<Pick<Task, 'title' | 'description' | 'importance' | 'story_points' | 'sprint_id' | 'status_id' | 'task_type_id'
  | 'parent_task_id' | 'assignee_ids' | 'reporter_id' | 'tags' | 'custom_fields' | 'start_date' | 'due_date' | 'assignment_mode'>> & { version?: number };

/** `GET /projects/:projectId/task-statuses` items, in board order. */
export interface TaskStatus {
  id: string;
  project_id: string;
  name: string;
  color: string | null;
  category: StatusCategory;
  position: number;
  is_default: boolean;
  version: number;
  created_at: string;
  updated_at: string;
}

/** `GET /projects/:projectId/task-types` items. `icon` is a lucide name (kebab-case) or null. */
export interface TaskType {
  id: string;
  project_id: string;
  name: string;
  icon: string | null;
  color: string | null;
  description: string | null;
  is_default: boolean;
  is_system: boolean;
  system_kind: 'epic' | 'subtask' | null;
  position: number;
  version: number;
  created_at: string;
  updated_at: string;
}

/** `GET /projects/:projectId/members` items (kernel): a user or an agent. */
export interface ProjectMember {
  id: string;
  project_id: string;
  member_type: 'human' | 'agent';
  user_id: string | null;
  agent_id: string | null;
  description: string;
  user: { id: string; username: string | null; full_name: string | null } | null;
  agent: { id: string; handle: string | null; name: string | null } | null;
  roles: Array<{ id: string; name: string }>;
  created_at: string;
  updated_at: string;
}

export type CustomFieldType = 'text' | 'number' | 'date' | 'select' | 'multi_select' | 'boolean' | 'url';

/** `GET /projects/:projectId/custom-fields` items. A task's value lives in `task.custom_fields[field_key]`. */
export interface CustomField {
  id: string;
  project_id: string;
  field_key: string;
  display_name: string;
  field_type: CustomFieldType;
  options: Array<{ value: string; color: string | null }>;
  is_required: boolean;
  position: number;
  version: number;
  created_at: string;
  updated_at: string;
}

export type ViewType = 'table' | 'board' | 'roadmap' | 'plugin';
export type ViewContext = 'sprint' | 'backlog' | 'timeline';

/** A view's settings (shared `config`, a personal override, or the merged `effective_config`). */
export interface ViewConfig {
  fields?: string[];
  column_by?: string | null;
  swimlanes?: string | null;
  sort_by?: string | null;
  sort_order?: 'asc' | 'desc';
  field_sum?: string | null;
  slice_by?: string | null;
  filters?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A saved view as the caller sees it (`GET /projects/:projectId/views`). */
export interface SavedView {
  id: string;
  project_id: string;
  sprint_id: string | null;
  name: string;
  view_type: ViewType | string;
  view_context: ViewContext;
  position: number;
  config: ViewConfig;
  plugin_id: string | null;
  plugin_component: string | null;
  version: number;
  created_by: PrincipalRef | null;
  created_at: string;
  updated_at: string;
  personal_config: ViewConfig | null;
  effective_config: ViewConfig;
  /** The SDK's SavedView carries `settings`; TasksPage sets it to `effective_config`. */
  settings?: Record<string, unknown>;
}

/** A member's display name: full name or username for humans, name or handle for agents. */
export function memberName(member: ProjectMember | null | undefined): string {
  if (!member) return 'Unknown';
  if (member.member_type === 'agent') return member.agent?.name || member.agent?.handle || 'Agent';
  return member.user?.full_name || member.user?.username || 'User';
}

/** A member's handle (username or agent handle), for mentions and search. */
export function memberHandle(member: ProjectMember | null | undefined): string {
  if (!member) return '';
  return (member.member_type === 'agent' ? member.agent?.handle : member.user?.username) ?? '';
}
