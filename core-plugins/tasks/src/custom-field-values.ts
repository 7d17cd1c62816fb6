import type { PluginDb } from '@paca/plugin-sdk';
import type { CustomFieldRow } from './custom-field-view.js';
import { CustomFieldValueInvalid } from './errors.js';

const TEXT_MAX = 10_000;
const URL_MAX = 2_000;
// The manifest's pattern for field_key: a key outside it can never have been defined.
const FIELD_KEY = /^[a-z][a-z0-9_]{0,62}$/;

/** Why `value` does not fit `field`, or null when it does. */
function mismatch(field: Pick<CustomFieldRow, 'field_type' | 'options'>, value: unknown): string | null {
  const allowed = () => new Set(field.options.map((o) => o.value));
  switch (field.field_type) {
    case 'text':
      if (typeof value !== 'string') return 'must be a string';
      return value.length > TEXT_MAX ? `must be at most ${TEXT_MAX} characters` : null;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a finite number';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'date':
      return typeof value === 'string' && isCalendarDate(value) ? null : 'must be a date YYYY-MM-DD';
    case 'url':
      if (typeof value !== 'string' || value.length > URL_MAX) return `must be a URL of at most ${URL_MAX} characters`;
      return isWebUrl(value) ? null : 'must be an absolute http(s) URL';
    case 'select':
      return typeof value === 'string' && allowed().has(value) ? null : 'must be one of the field\'s options';
    case 'multi_select': {
      if (!Array.isArray(value)) return 'must be a list of the field\'s options';
      const options = allowed();
      if (!value.every((v) => typeof v === 'string' && options.has(v))) return 'must list only the field\'s options';
      return new Set(value).size === value.length ? null : 'must not list an option twice';
    }
  }
}

function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  // Not Date.UTC: it reads years 0–99 as 1900–1999. Invalid days roll over (2025-02-30 into March); a real date survives the round trip.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * Checks the `custom_fields` a client writes on a task create or update against the project's
 * definitions, and returns the map to merge into the task. `written` holds only what the client
 * sent: null clears a key. Every other key must name a defined field and fit its type; a required
 * field cannot be cleared, and when `creating` it must be given. Clearing a key whose definition
 * was deleted is allowed: deleting a definition keeps task values (reference 1.4), and this is
 * how a client removes one.
 *
 * Throws 422 `CUSTOM_FIELD_VALUE_INVALID` with `{field_key, reason}`.
 */
export async function validateCustomFieldWrite(db: PluginDb, projectId: string, written: Record<string, unknown>,
  options: { creating: boolean }): Promise<Record<string, unknown>> {
  const fields = (await db('custom_fields').where({ project_id: projectId })
    .select('field_key', 'field_type', 'options', 'is_required')) as Array<Pick<CustomFieldRow, 'field_key' | 'field_type' | 'options' | 'is_required'>>;
  const byKey = new Map(fields.map((f) => [f.field_key, f]));
  const accepted: Record<string, unknown> = {};
  for (const [fieldKey, value] of Object.entries(written)) {
    const field = byKey.get(fieldKey);
    if (value === null && (field || FIELD_KEY.test(fieldKey))) {
      if (field?.is_required) throw CustomFieldValueInvalid({ field_key: fieldKey, reason: 'is required and cannot be cleared' });
      accepted[fieldKey] = null;
      continue;
    }
    if (!field) throw CustomFieldValueInvalid({ field_key: fieldKey, reason: 'is not a custom field of this project' });
    const reason = mismatch(field, value);
    if (reason) throw CustomFieldValueInvalid({ field_key: fieldKey, reason });
    accepted[fieldKey] = value;
  }
  if (options.creating) {
    const missing = fields.find((f) => f.is_required && (!Object.hasOwn(written, f.field_key) || written[f.field_key] === null));
    if (missing) throw CustomFieldValueInvalid({ field_key: missing.field_key, reason: 'is required' });
  }
  return accepted;
}
