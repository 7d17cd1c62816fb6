import type { PluginDb } from '@paca/plugin-sdk';
import { CustomFieldNotFound, CustomFieldOptionsInvalid } from './errors.js';
import { timestamp } from './project-settings-rows.js';
import { isUuid } from './task-lookup.js';

export type CustomFieldType = 'text' | 'number' | 'date' | 'select' | 'multi_select' | 'boolean' | 'url';

export interface CustomFieldOption {
  value: string;
  color: string | null;
}

/** What clients may send: plain values, or values with a colour (reference 1.4, migration 000050). */
export type CustomFieldOptionInput = string | { value: string; color?: string | null };

export interface CustomFieldRow {
  id: string;
  project_id: string;
  field_key: string;
  display_name: string;
  field_type: CustomFieldType;
  options: CustomFieldOption[];
  is_required: boolean;
  position: number;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

/** A custom field definition as every surface returns it. */
export const customFieldView = (row: CustomFieldRow) => ({
  id: row.id,
  project_id: row.project_id,
  field_key: row.field_key,
  display_name: row.display_name,
  field_type: row.field_type,
  // jsonb stores keys in its own order; answer them in the documented one.
  options: row.options.map((o) => ({ value: o.value, color: o.color ?? null })),
  is_required: row.is_required,
  position: row.position,
  version: row.version,
  created_at: timestamp(row.created_at),
  updated_at: timestamp(row.updated_at),
});

/** A field of the project, or 404 `CUSTOM_FIELD_NOT_FOUND` — also for another project's field, so ids never leak. */
export async function requireCustomField(db: PluginDb, projectId: string, fieldId: string): Promise<CustomFieldRow> {
  const row = isUuid(fieldId) ? (await db('custom_fields').where({ id: fieldId, project_id: projectId }).first()) as CustomFieldRow | undefined : undefined;
  if (!row) throw CustomFieldNotFound({});
  return row;
}

/** Same values and colours in the same order. */
export const sameOptions = (a: readonly CustomFieldOption[], b: readonly CustomFieldOption[]): boolean =>
  a.length === b.length && a.every((o, i) => o.value === b[i]!.value && o.color === (b[i]!.color ?? null));

export const takesOptions = (type: CustomFieldType): boolean => type === 'select' || type === 'multi_select';

/**
 * The options as stored, `[{value, color}]`: a select needs at least one and its values are
 * unique (a task stores the value); any other type has none.
 */
export function normaliseOptions(type: CustomFieldType, input: readonly CustomFieldOptionInput[] | null | undefined): CustomFieldOption[] {
  const options = (input ?? []).map((o) => typeof o === 'string' ? { value: o, color: null } : { value: o.value, color: o.color ?? null });
  if (!takesOptions(type)) {
    if (options.length > 0) throw CustomFieldOptionsInvalid({ reason: `a ${type} field takes no options` });
    return [];
  }
  if (options.length === 0) throw CustomFieldOptionsInvalid({ reason: `a ${type} field needs at least one option` });
  const seen = new Set<string>();
  for (const { value } of options) {
    if (seen.has(value)) throw CustomFieldOptionsInvalid({ reason: `option "${value}" is listed twice` });
    seen.add(value);
  }
  return options;
}
