export interface ProjectRow {
  id: string;
  name: string;
  description: string;
  task_id_prefix: string;
  settings: Record<string, unknown>;
  is_public: boolean;
  version: number;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export const PROJECT_COLUMNS = ['id', 'name', 'description', 'task_id_prefix', 'settings', 'is_public', 'version', 'created_by', 'created_at', 'updated_at'];

export function projectView(row: ProjectRow) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    task_id_prefix: row.task_id_prefix,
    settings: row.settings,
    is_public: row.is_public,
    version: row.version,
    created_by: row.created_by,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}
