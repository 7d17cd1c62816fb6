import { describe, expect, it } from 'vitest';
import { actionCovers, actionMatches, resourceCovers, resourceMatches, resourcesOverlap } from './patterns.js';

describe('action patterns', () => {
  it('matches exact names, domain wildcards and the global wildcard', () => {
    expect(actionMatches('tasks:read', 'tasks:read')).toBe(true);
    expect(actionMatches('tasks:*', 'tasks:write')).toBe(true);
    expect(actionMatches('tasks:*', 'tasksx:write')).toBe(false);
    expect(actionMatches('project:*', 'project.members:read')).toBe(false);
    expect(actionMatches('*', 'anything:at_all')).toBe(true);
    expect(actionMatches('tasks:read', 'tasks:write')).toBe(false);
  });
  it('covers narrower patterns only', () => {
    expect(actionCovers('tasks:*', 'tasks:read')).toBe(true);
    expect(actionCovers('tasks:read', 'tasks:*')).toBe(false);
    expect(actionCovers('*', 'tasks:*')).toBe(true);
    expect(actionCovers('tasks:*', '*')).toBe(false);
  });
});

describe('resource patterns', () => {
  it('treats a trailing * as the subtree including its parent', () => {
    expect(resourceMatches('project/1/*', 'project/1')).toBe(true);
    expect(resourceMatches('project/1/*', 'project/1/task/9')).toBe(true);
    expect(resourceMatches('project/1/*', 'project/2')).toBe(false);
    expect(resourceMatches('*', 'user/*')).toBe(true);
  });
  it('treats a middle * as exactly one segment', () => {
    expect(resourceMatches('project/*/task/1', 'project/7/task/1')).toBe(true);
    expect(resourceMatches('project/*/task/1', 'project/7/doc/1')).toBe(false);
    expect(resourceMatches('project', 'project/1')).toBe(false);
  });
  it('decides coverage between patterns', () => {
    expect(resourceCovers('project/1/*', 'project/1/task/*')).toBe(true);
    expect(resourceCovers('project/1/task/*', 'project/1/*')).toBe(false);
    expect(resourceCovers('project/1', 'project/1/*')).toBe(false);
    expect(resourceCovers('project/*/*', 'project/1/*')).toBe(true);
    expect(resourceCovers('project/1/*', 'project/*/*')).toBe(false);
    expect(resourceCovers('*', 'project/1/*')).toBe(true);
    expect(resourceCovers('project/1/*', '*')).toBe(false);
  });
  it('detects overlap', () => {
    expect(resourcesOverlap('project/1/*', 'project/*/task/2')).toBe(true);
    expect(resourcesOverlap('project/1/*', 'project/2/*')).toBe(false);
    expect(resourcesOverlap('project', 'project/1')).toBe(false);
    expect(resourcesOverlap('*', 'user/3')).toBe(true);
  });
});
