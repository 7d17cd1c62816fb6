import { describe, expect, it } from 'vitest';
import { PolicySet, scopeToProject } from './policy-set.js';

describe('PolicySet', () => {
  it('denies by default', () => {
    expect(PolicySet.empty.decide('projects:read', 'project/1')).toBe('none');
    expect(PolicySet.empty.allows('projects:read', 'project/1')).toBe(false);
  });

  it('lets an explicit Deny win over any Allow', () => {
    const set = new PolicySet([
      { effect: 'Allow', actions: ['*'], resources: ['*'] },
      { effect: 'Deny', actions: ['projects:delete'], resources: ['project/1'] },
    ]);
    expect(set.decide('projects:delete', 'project/1')).toBe('deny');
    expect(set.allows('projects:delete', 'project/2')).toBe(true);
    expect(set.allows('projects:write', 'project/1')).toBe(true);
  });

  it('guards escalation: holding a grant means covering it with no overlapping Deny', () => {
    const set = new PolicySet([
      { effect: 'Allow', actions: ['tasks:*'], resources: ['project/1/*'] },
      { effect: 'Deny', actions: ['tasks:write'], resources: ['project/1/task/7'] },
    ]);
    expect(set.holds('tasks:read', 'project/1/*')).toBe(true);
    expect(set.holds('tasks:*', 'project/1/*')).toBe(false);
    expect(set.holds('tasks:write', 'project/1/task/8')).toBe(true);
    expect(set.holds('tasks:read', 'project/2/*')).toBe(false);
    expect(set.holds('*', 'project/1/*')).toBe(false);
  });
});

describe('scopeToProject', () => {
  it('narrows wide resources to the project subtree and drops foreign ones', () => {
    const scoped = scopeToProject({ effect: 'Allow', actions: ['*'], resources: ['*', 'project/2/*', 'project/*/task/*', 'user/*'] }, '1');
    expect(scoped?.resources).toEqual(['project/1/*', 'project/1/task/*']);
    expect(scopeToProject({ effect: 'Allow', actions: ['*'], resources: ['user/*'] }, '1')).toBeNull();
  });
});
