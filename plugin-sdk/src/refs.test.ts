import { describe, expect, it } from 'vitest';
import { coreServices } from './core-services.js';
import { createExtensionPoint, createServiceRef, refOwner } from './refs.js';

describe('createServiceRef / createExtensionPoint', () => {
  it('makes frozen refs of their kind', () => {
    const service = createServiceRef<{ count(): number }>({ id: 'tasks.service' });
    const point = createExtensionPoint<{ register(name: string): void }>({ id: 'tasks.fieldReferences' });
    expect(service).toEqual({ id: 'tasks.service', kind: 'service' });
    expect(point).toEqual({ id: 'tasks.fieldReferences', kind: 'extension-point' });
    expect(Object.isFrozen(service)).toBe(true);
  });

  it.each(['tasks.service', 'time-tracking.timers', 'tasks.fields.v2', 'ab.X_y'])('accepts %s', (id) => {
    expect(() => createServiceRef({ id })).not.toThrow();
    expect(() => createExtensionPoint({ id })).not.toThrow();
  });

  it.each([
    ['no dot', 'tasks'],
    ['an empty name', 'tasks.'],
    ['an owner that is not a plugin id', 'Tasks.service'],
    ['a one-letter owner', 't.service'],
    ['an underscore in the owner', 'time_tracking.timers'],
    ['a name starting with a digit', 'tasks.2fields'],
    ['a dash in the name', 'tasks.field-references'],
  ])('refuses an id with %s (%s)', (_case, id) => {
    expect(() => createServiceRef({ id })).toThrow(TypeError);
    expect(() => createExtensionPoint({ id })).toThrow(/must be "<plugin id>\.<name>"/);
  });
});

describe('refOwner', () => {
  it('is the plugin id before the first dot', () => {
    expect(refOwner(createServiceRef({ id: 'tasks.service' }))).toBe('tasks');
    expect(refOwner(createExtensionPoint({ id: 'time-tracking.fields.v2' }))).toBe('time-tracking');
  });

  it('is kernel for every core service', () => {
    for (const ref of Object.values(coreServices)) expect(refOwner(ref)).toBe('kernel');
  });
});
