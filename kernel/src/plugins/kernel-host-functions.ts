import type { PluginDb } from '@paca/plugin-sdk';
import type { HostFunctionRegistry } from './host-function-registry.js';
import { knexOf } from './plugin-db.js';

/**
 * The kernel's own reads for WASM plugins (issue 8 lists them): the call's project and its
 * members. The registry has already checked the permission, the project and the caller's action.
 */
export function registerKernelHostFunctions(registry: HostFunctionRegistry): void {
  const definitions = [
    {
      name: 'projects.get', permission: 'core:read:projects', action: 'projects:read',
      async handler({ db, projectId }: { db: PluginDb; projectId: string }) {
        return (await knexOf(db)('projects').where({ id: projectId }).whereNull('deleted_at')
          .first('id', 'name', 'description', 'task_id_prefix', 'is_public')) ?? null;
      },
    },
    {
      name: 'members.list', permission: 'core:read:members', action: 'project.members:read',
      async handler({ db, projectId }: { db: PluginDb; projectId: string }) {
        return knexOf(db)('project_members as m')
          .leftJoin('users as u', 'u.id', 'm.user_id')
          .leftJoin('agents as a', 'a.id', 'm.agent_id')
          .where({ 'm.project_id': projectId }).whereNull('m.deleted_at')
          .orderBy('m.created_at')
          .limit(500)
          .select('m.id', 'm.member_type', 'm.user_id', 'm.agent_id', 'u.username', 'u.full_name', 'a.handle', 'a.name as agent_name');
      },
    },
  ];
  for (const definition of definitions) {
    registry.validate('kernel', definition as never, null);
    registry.commit('kernel', definition as never);
  }
}
