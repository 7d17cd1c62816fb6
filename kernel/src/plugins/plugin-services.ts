import {
  pluginNamespace, pluginSchemaName, type EmitOptions, type EventDefinition, type EventHandler, type HostFunctionDefinition, type PluginDb, type PluginManifest, type ProjectHook,
  type ProjectRef, type RouteHandler, type ServiceRef, type ToolReferenceResolver,
} from '@paca/plugin-sdk';
import { coreServices } from '@paca/plugin-sdk';
import type { FastifyBaseLogger } from 'fastify';
import type { Knex } from 'knex';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import type { Outbox } from '../events/outbox.js';
import type { NotificationService } from '../notifications/notification-service.js';
import type { ActivityLog } from '../projects/activity-log.js';
import type { HostFunctionRegistry } from './host-function-registry.js';
import { bindPluginDb, knexOf } from './plugin-db.js';
import { PluginEventOutsideTransaction, PluginEventUndeclared, PluginHostFunctionInvalid, PluginRouteUndeclared, PluginSubscriptionUndeclared } from './plugin-errors.js';
import { currentConnection } from './plugin-call-context.js';
import type { PluginSecrets } from './plugin-secrets.js';
import { pluginMembers } from './plugin-members.js';
import { isUuid } from '../http/schemas.js';
import { objectKey, type ObjectStorage } from '../storage/object-storage.js';
import type { StagedPlugin } from './staged-plugin.js';

export interface KernelServiceDeps {
  db: Knex;
  clock: Clock;
  outbox: Outbox;
  activity: ActivityLog;
  notifications: NotificationService;
  hostFunctions: HostFunctionRegistry;
  secrets: PluginSecrets;
  storage: ObjectStorage;
  logger: FastifyBaseLogger;
}

/**
 * The kernel services one plugin may receive in `deps`, bound to it: its schema, its manifest's
 * routes, events and subscriptions. Registrations land in `staged` and take effect only if the
 * whole plugin loads.
 */
export function kernelServicesFor(manifest: PluginManifest, staged: StagedPlugin, deps: KernelServiceDeps): Map<string, unknown> {
  const schema = pluginSchemaName(manifest.id);
  const routeNames = new Set(manifest.routes.map((r) => r.name));
  const subscriptionNames = new Set(manifest.subscriptions.map((s) => s.name));
  const eventNames = new Set(manifest.events.map((e) => e.name));
  const log = deps.logger.child({ plugin: manifest.id });
  const pluginDb = bindPluginDb(() => currentConnection(deps.db), schema);
  const services: Array<[ServiceRef<unknown>, unknown]> = [
    [coreServices.db, pluginDb],
    [coreServices.routes, {
      handle(name: string, handler: RouteHandler) {
        if (!routeNames.has(name)) throw PluginRouteUndeclared({ plugin_id: manifest.id, route: name });
        staged.handlers.set(name, handler);
      },
    }],
    [coreServices.events, {
      async emit<P>(db: PluginDb, definition: EventDefinition<P>, options: EmitOptions<P>) {
        if (!eventNames.has(definition.name)) throw PluginEventUndeclared({ plugin_id: manifest.id, event: definition.name });
        // plugin.json is what realtime reads; code that disagrees with it is a bug to surface, not to guess around.
        const declared = manifest.events.find((e) => e.name === definition.name)!;
        if (declared.client_action !== definition.clientAction) {
          throw PluginEventUndeclared({ plugin_id: manifest.id, event: definition.name }, {
            message: `plugin ${manifest.id}: ${definition.name} has client_action ${declared.client_action} in plugin.json but ${definition.clientAction} in code`,
          });
        }
        const connection = knexOf(db);
        // D24: the event commits with the change or not at all; outside a transaction it could land after its successors.
        if (!connection.isTransaction) throw PluginEventOutsideTransaction({ plugin_id: manifest.id, event: definition.name });
        const event = await deps.outbox.emit(connection as Knex.Transaction, definition, options);
        return { id: event.id };
      },
      subscribe(name: string, handler: EventHandler) {
        if (!subscriptionNames.has(name)) throw PluginSubscriptionUndeclared({ plugin_id: manifest.id, subscription: name });
        staged.subscriptions.set(name, handler);
      },
    }],
    [coreServices.hooks, {
      onProjectCreated: (hook: ProjectHook) => void staged.hooks.created.push(hook),
      onProjectEnabled: (hook: ProjectHook) => void staged.hooks.enabled.push(hook),
    }],
    [coreServices.hostFunctions, {
      register(definition: HostFunctionDefinition) {
        deps.hostFunctions.validate(manifest.id, definition, pluginNamespace(manifest.id));
        if (staged.hostFunctions.some((f) => f.name === definition.name)) {
          throw PluginHostFunctionInvalid({ plugin_id: manifest.id, function: definition.name, reason: 'registered twice' });
        }
        staged.hostFunctions.push(definition);
      },
    }],
    [coreServices.notifications, {
      notify: (db: PluginDb, input: Parameters<NotificationService['notify']>[1]) => deps.notifications.notify(knexOf(db), input),
    }],
    [coreServices.activity, {
      record: (db: PluginDb, input: Parameters<ActivityLog['record']>[1]) =>
        deps.activity.record(knexOf(db), { ...input, actor: input.actor as Principal | null, pluginId: manifest.id }),
      list: (db: PluginDb, query: Parameters<ActivityLog['list']>[1]) => deps.activity.list(knexOf(db), query),
      get: (db: PluginDb, projectId: string, id: string) => deps.activity.get(knexOf(db), projectId, id),
      update: (db: PluginDb, projectId: string, id: string, content: Record<string, unknown>) =>
        deps.activity.update(knexOf(db), manifest.id, projectId, id, content),
      remove: (db: PluginDb, projectId: string, id: string) => deps.activity.remove(knexOf(db), manifest.id, projectId, id),
    }],
    [coreServices.members, pluginMembers],
    [coreServices.mcp, {
      resolveReferences(resolver: ToolReferenceResolver) {
        // The kernel calls with its own connection; the plugin reads its tables through its schema.
        staged.references.push({ args: [...resolver.args], resolve: (_db, input) => resolver.resolve(pluginDb, input) });
      },
    }],
    [coreServices.storage, {
      get maxObjectBytes() { return deps.storage.maxObjectBytes; },
      newKey: (projectId: string) => objectKey(projectId),
      presignUpload: (key: string, options?: Parameters<ObjectStorage['presignUpload']>[1]) => deps.storage.presignUpload(key, options),
      verifyUpload: (key: string, maxBytes?: number) => deps.storage.verifyUpload(key, maxBytes),
      presignDownload: (key: string, options?: Parameters<ObjectStorage['presignDownload']>[1]) => deps.storage.presignDownload(key, options),
      get: (key: string) => deps.storage.get(key),
      delete: (key: string) => deps.storage.delete(key),
    }],
    [coreServices.projects, {
      async get(db: PluginDb, projectId: string): Promise<ProjectRef | null> {
        const row = await knexOf(db)('projects').where({ id: projectId }).whereNull('deleted_at')
          .first('id', 'name', 'task_id_prefix', 'is_public', 'created_by');
        return (row as ProjectRef | undefined) ?? null;
      },
      async getMany(db: PluginDb, projectIds: readonly string[]): Promise<ProjectRef[]> {
        const ids = [...new Set(projectIds)].filter(isUuid);
        if (ids.length === 0) return [];
        return knexOf(db)('projects').whereIn('id', ids).whereNull('deleted_at')
          .select('id', 'name', 'task_id_prefix', 'is_public', 'created_by') as Promise<ProjectRef[]>;
      },
    }],
    [coreServices.logger, {
      debug: (message: string, fields?: object) => log.debug(fields ?? {}, message),
      info: (message: string, fields?: object) => log.info(fields ?? {}, message),
      warn: (message: string, fields?: object) => log.warn(fields ?? {}, message),
      error: (message: string, fields?: object) => log.error(fields ?? {}, message),
    }],
    [coreServices.clock, { now: () => deps.clock.now() }],
    [coreServices.secrets, { get: (key: string) => deps.secrets.get(currentConnection(deps.db), manifest, key) }],
  ];
  return new Map(services.map(([ref, impl]) => [ref.id, impl]));
}
