import { isPacaError } from '@paca/plugin-sdk';
import { describe, expect, it } from 'vitest';
import { FieldReferences } from './field-references.js';

// The extension point behind tasks' `sprint_id` (D20), without the sprints plugin that normally fills it.

describe('field references', () => {
  it('accepts only null for a field nobody owns, and resolves nothing', async () => {
    const references = new FieldReferences();
    await expect(references.validate('p', 'sprint_id', null)).resolves.toBeUndefined();
    const refused = await references.validate('p', 'sprint_id', '6f1c1f5e-3d0c-4d0e-9a35-0d8a3c6f8b11').catch((e: unknown) => e);
    expect(isPacaError(refused) && refused.code).toBe('TASK_REFERENCE_INVALID');
    expect(await references.resolve('p', 'sprint_id', ['x'])).toEqual([]);
  });

  it('hands validation and resolution to the one registered owner', async () => {
    const references = new FieldReferences();
    const seen: string[] = [];
    references.register('sprint_id', {
      async validate(projectId, id) { seen.push(`${projectId}:${id}`); },
      async resolve(_projectId, ids) { return ids.map((id) => ({ id, name: `Sprint ${id}` })); },
    });
    await references.validate('p', 'sprint_id', 's1');
    expect(seen).toEqual(['p:s1']);
    expect(await references.resolve('p', 'sprint_id', ['s1'])).toEqual([{ id: 's1', name: 'Sprint s1' }]);
    expect(() => references.register('sprint_id', { validate: async () => {}, resolve: async () => [] })).toThrow(/already registered/);
  });
});
