import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { Knex } from 'knex';
import { isPacaError } from '@paca/plugin-sdk';
import { isUniqueViolation } from '../db/errors.js';
import { expectedVersion } from '../http/expected-version.js';
import { ProjectNameTaken, ProjectNotFound, ProjectPrefixTaken, ProjectVersionConflict, ValidationFailed } from '../http/kernel-errors.js';
import { pagedList } from '../http/pagination.js';
import type { Router } from '../http/router.js';
import { Nullable, PageQuery, ProjectParams, SortQuery, sortOrder, StrictObject } from '../http/schemas.js';
import { PROJECT_FULL_ACCESS_KEY } from '../iam/builtin-roles.js';
import type { RoleService } from '../iam/role-service.js';
import { ProjectCreated, ProjectDeleted, ProjectUpdated } from '../events/kernel-events.js';
import type { KernelServices } from '../services.js';
import { PROJECT_COLUMNS, projectView, type ProjectRow } from './project-view.js';
import { derivePrefix, PREFIX_PATTERN, prefixCandidates } from './task-id-prefix.js';

const Name = Type.String({ minLength: 1, maxLength: 120, pattern: '\\S' });
const Settings = Type.Record(Type.String(), Type.Unknown(), { maxProperties: 200 });

const CreateProject = StrictObject({
  name: Name,
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  task_id_prefix: Type.Optional(Type.String({ pattern: PREFIX_PATTERN })),
  is_public: Type.Optional(Type.Boolean()),
  settings: Type.Optional(Settings),
});

const UpdateProject = StrictObject({
  name: Type.Optional(Name),
  // PATCH is three-state (reference 2.1): null clears.
  description: Type.Optional(Nullable(Type.String({ maxLength: 10_000 }))),
  task_id_prefix: Type.Optional(Type.String({ pattern: PREFIX_PATTERN })),
  is_public: Type.Optional(Type.Boolean()),
  settings: Type.Optional(Nullable(Settings)),
  version: Type.Optional(Type.Integer({ minimum: 1 })),
});

const ListProjects = StrictObject({
  ...PageQuery,
  search: Type.Optional(Type.String({ maxLength: 200 })),
  sort: SortQuery(['name', 'created_at', 'updated_at', 'task_id_prefix']),
});

const SETTINGS_MAX_BYTES = 64 * 1024;
const SETTINGS_MAX_DEPTH = 16;

/** Settings are free-form JSON, but bounded: deep or huge documents are refused, not choked on. */
function assertSettingsBounded(settings: Record<string, unknown> | null | undefined): void {
  if (settings == null) return;
  const depth = (value: unknown, level: number): number => {
    if (level > SETTINGS_MAX_DEPTH || value === null || typeof value !== 'object') return level;
    let deepest = level;
    for (const child of Object.values(value)) deepest = Math.max(deepest, depth(child, level + 1));
    return deepest;
  };
  if (depth(settings, 0) > SETTINGS_MAX_DEPTH) throw ValidationFailed({ issues: [{ path: 'settings', message: `nests deeper than ${SETTINGS_MAX_DEPTH} levels` }] });
  if (Buffer.byteLength(JSON.stringify(settings)) > SETTINGS_MAX_BYTES) throw ValidationFailed({ issues: [{ path: 'settings', message: `is larger than ${SETTINGS_MAX_BYTES} bytes` }] });
}

async function loadProject(db: Knex, projectId: string): Promise<ProjectRow> {
  const row = await db('projects').where({ id: projectId }).whereNull('deleted_at').first<ProjectRow>(PROJECT_COLUMNS);
  if (!row) throw ProjectNotFound({});
  return row;
}

async function prefixTaken(db: Knex, prefix: string, exceptId?: string): Promise<boolean> {
  const query = db('projects').where({ task_id_prefix: prefix }).whereNull('deleted_at');
  if (exceptId) query.whereNot({ id: exceptId });
  return (await query.first('id')) !== undefined;
}

/** Translates the partial unique indexes into the reference's conflict codes. */
function conflictFor(error: unknown, prefix: string): unknown {
  if (isUniqueViolation(error, 'projects_name_live')) return ProjectNameTaken({}, { cause: error });
  if (isUniqueViolation(error, 'projects_prefix_live')) return ProjectPrefixTaken({ task_id_prefix: prefix }, { cause: error });
  return error;
}

/** Projects: kernel-owned tenancy (reference 1.3, D8). */
export function registerProjectRoutes(router: Router, services: KernelServices & { roles: RoleService }): void {
  const { clock, iam, roles, activity, events, projectLifecycle } = services;

  router.route({
    method: 'GET', name: 'projects.list', url: '/projects', summary: 'Projects you can read', tags: ['projects'],
    access: { kind: 'authenticated' }, querystring: ListProjects,
    async handler({ db, query, policies }) {
      const scope = iam.readableProjectFilter(policies);
      const base = db('projects').whereNull('deleted_at').select(PROJECT_COLUMNS);
      if (scope.all) {
        if (scope.except.length > 0) base.whereNotIn('id', scope.except);
      } else {
        base.whereIn('id', scope.ids);
      }
      if (query.search) base.whereRaw('name ILIKE ?', [`%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`]);
      const page = await pagedList<ProjectRow>(base, {
        page: query.page ?? 1, pageSize: query.page_size ?? 20,
        orderBy: sortOrder(query.sort, 'created_at'),
      });
      return { ...page, items: page.items.map(projectView) };
    },
  });

  router.route({
    method: 'POST', name: 'projects.create', url: '/projects', summary: 'Create a project; you become its Admin', tags: ['projects'], status: 201,
    access: { kind: 'gated', action: 'projects:create', resource: () => 'project' }, body: CreateProject,
    async handler({ db, body, principal, reply }) {
      assertSettingsBounded(body.settings);
      const name = body.name.trim();
      if (body.task_id_prefix && await prefixTaken(db, body.task_id_prefix)) throw ProjectPrefixTaken({ task_id_prefix: body.task_id_prefix });
      const now = clock.now();
      const row: ProjectRow = {
        id: randomUUID(), name, description: body.description ?? '', task_id_prefix: body.task_id_prefix ?? '', settings: body.settings ?? {},
        is_public: body.is_public ?? false, version: 1, created_by: principal!.type === 'user' ? principal!.id : null, created_at: now, updated_at: now,
      };
      const derived = body.task_id_prefix ? null : prefixCandidates(derivePrefix(name));
      const lost = new Set<string>();
      for (let attempt = 1; ; attempt++) {
        if (derived) {
          const taken = new Set((await db('projects').whereIn('task_id_prefix', derived).whereNull('deleted_at').pluck('task_id_prefix')) as string[]);
          row.task_id_prefix = derived.find((c) => !taken.has(c) && !lost.has(c)) ?? `P${randomUUID().replace(/-/g, '').slice(0, 9).toUpperCase()}`;
        }
        try {
          // A savepoint, so losing a race for a derived prefix can be retried inside this transaction.
          await db.transaction((savepoint) => savepoint('projects').insert({ ...row, settings: JSON.stringify(row.settings) }));
          break;
        } catch (error) {
          const conflict = conflictFor(error, row.task_id_prefix);
          if (derived && isPacaError(conflict, 'PROJECT_PREFIX_TAKEN') && attempt < 5) {
            lost.add(row.task_id_prefix);
            continue;
          }
          throw conflict;
        }
      }
      const prefix = row.task_id_prefix;
      const roleIds = await roles.seedProjectRoles(db, row.id);
      // A global agent allowed to create projects becomes their Admin member like a user would.
      const creator = principal!.type === 'agent' ? { member_type: 'agent', agent_id: principal!.id } : { member_type: 'human', user_id: principal!.id };
      await db('project_members').insert({ id: randomUUID(), project_id: row.id, ...creator, created_at: now, updated_at: now });
      await roles.attachTrusted(db, { type: principal!.type, id: principal!.id }, roleIds[PROJECT_FULL_ACCESS_KEY]!, row.id, principal!.id);
      // Plugins seed their per-project data here, in this transaction (D20): statuses exist before the response.
      await projectLifecycle.created(db, { id: row.id, name, task_id_prefix: prefix, is_public: row.is_public, created_by: row.created_by });
      await activity.record(db, { projectId: row.id, entityType: 'project', entityId: row.id, actor: principal, type: 'project.created', content: { name, task_id_prefix: prefix } });
      await events.emit(db, ProjectCreated, { projectId: row.id, actor: principal, payload: { project_id: row.id, name, task_id_prefix: prefix } });
      reply.header('etag', `"${row.version}"`);
      return projectView(row);
    },
  });

  router.route({
    method: 'GET', name: 'projects.get', url: '/projects/:projectId', summary: 'Get a project (anonymous when public)', tags: ['projects'],
    access: { kind: 'gated', action: 'projects:read', resource: (p) => `project/${p.projectId}` }, params: ProjectParams,
    async handler({ db, params, reply }) {
      const row = await loadProject(db, params.projectId);
      reply.header('etag', `"${row.version}"`);
      return projectView(row);
    },
  });

  router.route({
    method: 'PATCH', name: 'projects.update', url: '/projects/:projectId', summary: 'Edit a project (send version or If-Match to make it conditional)', tags: ['projects'],
    access: { kind: 'gated', action: 'projects:write', resource: (p) => `project/${p.projectId}` },
    params: ProjectParams, body: UpdateProject,
    async handler({ db, params, body, principal, request, reply }) {
      const current = await db('projects').where({ id: params.projectId }).whereNull('deleted_at').forUpdate().first<ProjectRow>(PROJECT_COLUMNS);
      if (!current) throw ProjectNotFound({});
      assertSettingsBounded(body.settings);
      const expected = expectedVersion(request, body.version);
      if (expected !== null && expected !== current.version) throw ProjectVersionConflict({ current_version: current.version });
      const changes: Partial<ProjectRow> = {};
      if (body.name !== undefined && body.name.trim() !== current.name) changes.name = body.name.trim();
      const description = body.description === null ? '' : body.description;
      if (description !== undefined && description !== current.description) changes.description = description;
      if (body.is_public !== undefined && body.is_public !== current.is_public) changes.is_public = body.is_public;
      const settings = body.settings === null ? {} : body.settings;
      if (settings !== undefined && JSON.stringify(settings) !== JSON.stringify(current.settings)) changes.settings = settings;
      if (body.task_id_prefix !== undefined && body.task_id_prefix !== current.task_id_prefix) {
        if (await prefixTaken(db, body.task_id_prefix, current.id)) throw ProjectPrefixTaken({ task_id_prefix: body.task_id_prefix });
        changes.task_id_prefix = body.task_id_prefix;
      }
      if (Object.keys(changes).length === 0) {
        reply.header('etag', `"${current.version}"`);
        return projectView(current);
      }
      const next: ProjectRow = { ...current, ...changes, version: current.version + 1, updated_at: clock.now() };
      try {
        await db('projects').where({ id: current.id }).update({
          ...changes, ...(changes.settings ? { settings: JSON.stringify(changes.settings) } : {}), version: next.version, updated_at: next.updated_at,
        });
      } catch (error) {
        throw conflictFor(error, next.task_id_prefix);
      }
      const diff = Object.keys(changes).filter((k) => k !== 'settings').map((field) => ({
        field, old: current[field as keyof ProjectRow], new: next[field as keyof ProjectRow],
      }));
      await activity.record(db, { projectId: current.id, entityType: 'project', entityId: current.id, actor: principal, type: 'project.updated', content: { changes: diff, settings_changed: changes.settings !== undefined } });
      const eventChanges = changes.settings === undefined ? diff : [...diff, { field: 'settings', old: current.settings, new: changes.settings }];
      await events.emit(db, ProjectUpdated, { projectId: current.id, actor: principal, payload: { project_id: current.id, version: next.version, changes: eventChanges } });
      reply.header('etag', `"${next.version}"`);
      return projectView(next);
    },
  });

  router.route({
    method: 'DELETE', name: 'projects.delete', url: '/projects/:projectId', summary: 'Delete a project (soft; its name and prefix become free)', tags: ['projects'], status: 204,
    access: { kind: 'gated', action: 'projects:delete', resource: (p) => `project/${p.projectId}` }, params: ProjectParams,
    async handler({ db, params, principal }) {
      const project = await loadProject(db, params.projectId);
      await db('projects').where({ id: project.id }).update({ deleted_at: clock.now() });
      await activity.record(db, { projectId: project.id, entityType: 'project', entityId: project.id, actor: principal, type: 'project.deleted', content: { name: project.name } });
      await events.emit(db, ProjectDeleted, { projectId: project.id, actor: principal, payload: { project_id: project.id, name: project.name } });
      return null;
    },
  });
}
