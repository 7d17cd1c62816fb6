import { randomUUID } from 'node:crypto';
import { assertExpectedVersion, etag, type PluginDb, type PluginRoutes, type RouteRequest } from '@paca/plugin-sdk';
import { CustomFieldKeyTaken, CustomFieldVersionConflict, invalid } from './errors.js';
import { CustomFieldCreated, CustomFieldDeleted, CustomFieldUpdated } from './events.js';
import {
  customFieldView, normaliseOptions, requireCustomField, sameOptions, takesOptions,
  type CustomFieldOptionInput, type CustomFieldRow, type CustomFieldType,
} from './custom-field-view.js';
import type { TasksContext } from './plugin-context.js';
import { lockProjectRows } from './project-settings-rows.js';

type ProjectParams = { projectId: string };
type FieldParams = ProjectParams & { fieldId: string };
type CreateBody = {
  field_key: string; display_name: string; field_type: CustomFieldType; options?: CustomFieldOptionInput[] | null; is_required?: boolean;
};
type UpdateBody = {
  display_name?: string; field_type?: CustomFieldType; options?: CustomFieldOptionInput[] | null; is_required?: boolean; version?: number;
};

function acceptDisplayName(raw: string): string {
  const name = raw.trim();
  if (name === '') throw invalid('display_name', 'must not be blank');
  return name;
}

const isUniqueViolation = (error: unknown) => (error as { code?: unknown } | null)?.code === '23505';

/**
 * Custom field definitions (reference 1.4). Values live in each task's `custom_fields`, keyed by
 * the immutable `field_key`, and are checked by custom-field-values.ts; deleting a definition
 * keeps them.
 */
export function registerCustomFieldRoutes(routes: PluginRoutes, ctx: TasksContext): void {
  const { events, clock } = ctx;

  routes.handle('custom-fields.list', async ({ db, params }: RouteRequest<ProjectParams>) => {
    const rows = (await db('custom_fields').where({ project_id: params.projectId })
      .orderBy([{ column: 'position' }, { column: 'field_key' }])) as CustomFieldRow[];
    return { items: rows.map(customFieldView), next_cursor: null };
  });

  routes.handle('custom-fields.get', async ({ db, params, setHeader }: RouteRequest<FieldParams>) => {
    const row = await requireCustomField(db, params.projectId, params.fieldId);
    setHeader('ETag', etag(row.version));
    return customFieldView(row);
  });

  routes.handle('custom-fields.create', async ({ db, params, body, principal, setHeader }: RouteRequest<ProjectParams, unknown, CreateBody>) => {
    await lockProjectRows(db, 'custom_fields', params.projectId);
    if (await db('custom_fields').where({ project_id: params.projectId, field_key: body.field_key }).first('id')) throw CustomFieldKeyTaken({});
    const { last } = (await db('custom_fields').where({ project_id: params.projectId }).max({ last: 'position' }).first()) as { last: number | null };
    const now = clock.now();
    const row: CustomFieldRow = {
      id: randomUUID(), project_id: params.projectId, field_key: body.field_key, display_name: acceptDisplayName(body.display_name),
      field_type: body.field_type, options: normaliseOptions(body.field_type, body.options), is_required: body.is_required ?? false,
      position: (last ?? -1) + 1, version: 1, created_at: now, updated_at: now,
    };
    await insertField(db, row);
    const view = customFieldView(row);
    await events.emit(db, CustomFieldCreated, { projectId: params.projectId, actor: principal, payload: { custom_field: view } });
    setHeader('ETag', etag(row.version));
    return view;
  });

  routes.handle('custom-fields.update', async (req: RouteRequest<FieldParams, unknown, UpdateBody>) => {
    const { db, params, body, principal, setHeader } = req;
    await lockProjectRows(db, 'custom_fields', params.projectId);
    const current = await requireCustomField(db, params.projectId, params.fieldId);
    assertExpectedVersion(req, current.version, CustomFieldVersionConflict);
    const changes: Partial<CustomFieldRow> = {};
    if (body.display_name !== undefined && body.display_name.trim() !== current.display_name) changes.display_name = acceptDisplayName(body.display_name);
    if (body.field_type !== undefined && body.field_type !== current.field_type) changes.field_type = body.field_type;
    const type = changes.field_type ?? current.field_type;
    // Options follow the type: kept (and re-checked) for a select, dropped when it stops being one.
    const options = body.options !== undefined ? normaliseOptions(type, body.options) : takesOptions(type) ? normaliseOptions(type, current.options) : [];
    if (!sameOptions(options, current.options)) changes.options = options;
    if (body.is_required !== undefined && body.is_required !== current.is_required) changes.is_required = body.is_required;
    let row = current;
    if (Object.keys(changes).length > 0) {
      row = { ...current, ...changes, version: current.version + 1, updated_at: clock.now() };
      await db('custom_fields').where({ id: current.id }).update({
        ...changes, ...(changes.options ? { options: JSON.stringify(changes.options) } : {}), version: row.version, updated_at: row.updated_at,
      });
      await events.emit(db, CustomFieldUpdated, { projectId: params.projectId, actor: principal, payload: { custom_field: customFieldView(row) } });
    }
    setHeader('ETag', etag(row.version));
    return customFieldView(row);
  });

  // Reference 1.4: task values under this key stay in the tasks; only the definition goes.
  routes.handle('custom-fields.delete', async (req: RouteRequest<FieldParams>) => {
    const { db, params, principal } = req;
    await lockProjectRows(db, 'custom_fields', params.projectId);
    const current = await requireCustomField(db, params.projectId, params.fieldId);
    assertExpectedVersion(req, current.version, CustomFieldVersionConflict);
    await db('custom_fields').where({ id: current.id }).delete();
    await events.emit(db, CustomFieldDeleted, {
      projectId: params.projectId, actor: principal, payload: { custom_field_id: current.id, field_key: current.field_key },
    });
  });
}

/** A project without fields has no rows to lock, so two creates of one key can still meet at the unique index. */
async function insertField(db: PluginDb, row: CustomFieldRow): Promise<void> {
  try {
    await db('custom_fields').insert({ ...row, options: JSON.stringify(row.options) });
  } catch (error) {
    if (isUniqueViolation(error)) throw CustomFieldKeyTaken({}, { cause: error });
    throw error;
  }
}
