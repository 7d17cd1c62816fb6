import type { EventDefinition } from '@paca/plugin-sdk';
import * as kernelEvents from '../events/kernel-events.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';

/** How one client-visible event type reaches sockets (D19 `client_action`, `client_entity`). */
export interface ClientEventSpec {
  type: string;
  /** The action a socket needs in the event's project (or on its platform root for workspace events). */
  action: string;
  /** The entity the event is about: the socket must also be allowed `action` on that entity. */
  entity: { kind: string; field: string; action: string } | null;
  /** The plugin that declares it; its events stop where it is switched off. Null = kernel. */
  pluginId: string | null;
  /** Sockets holding the same delivery key receive the same events: one room per key and project. */
  key: string;
}

// Workspace-wide plugin switches change every signed-in user's shell, whatever their roles.
const EVERY_SIGNED_IN_USER = new Set(['plugin.enabled', 'plugin.disabled', 'plugin.uninstalled']);

/**
 * Which events clients may see and under what permission: the kernel's event definitions plus
 * every loaded plugin's manifest. Events without a `client_action` stay server-side.
 */
export class ClientEventCatalogue {
  private readonly kernel = new Map<string, ClientEventSpec>();
  private pluginCache: { plugins: string; specs: Map<string, ClientEventSpec> } | null = null;

  constructor(private readonly registry: PluginRegistry) {
    for (const definition of Object.values(kernelEvents) as Array<EventDefinition<unknown>>) {
      if (definition.clientAction) this.kernel.set(definition.name, spec(definition.name, definition.clientAction, null, null));
    }
  }

  lookup(type: string): ClientEventSpec | null {
    return this.kernel.get(type) ?? this.pluginSpecs().get(type) ?? null;
  }

  /** Whether a workspace event goes to everyone signed in rather than to holders of its action. */
  forEverySignedInUser(type: string): boolean {
    return EVERY_SIGNED_IN_USER.has(type);
  }

  /** One spec per delivery key that project events can use (the rooms a socket may join in a project). */
  projectKeys(): ClientEventSpec[] {
    const byKey = new Map<string, ClientEventSpec>();
    for (const s of [...this.kernel.values(), ...this.pluginSpecs().values()]) if (!byKey.has(s.key)) byKey.set(s.key, s);
    return [...byKey.values()];
  }

  /** Plugin specs, rebuilt when the set of loaded plugins changes (installs while running). */
  private pluginSpecs(): Map<string, ClientEventSpec> {
    const records = this.registry.list().filter((r) => r.status === 'active');
    const fingerprint = records.map((r) => `${r.id}@${r.manifest?.version}`).join(',');
    if (this.pluginCache?.plugins === fingerprint) return this.pluginCache.specs;
    const specs = new Map<string, ClientEventSpec>();
    for (const record of records) {
      for (const event of record.manifest?.events ?? []) {
        if (!event.client_action || this.kernel.has(event.name)) continue;
        const entity = event.client_entity
          ? { kind: event.client_entity.kind, field: event.client_entity.field, action: event.client_entity.action ?? event.client_action }
          : null;
        specs.set(event.name, spec(event.name, event.client_action, entity, record.id));
      }
    }
    this.pluginCache = { plugins: fingerprint, specs };
    return specs;
  }
}

function spec(type: string, action: string, entity: ClientEventSpec['entity'], pluginId: string | null): ClientEventSpec {
  return { type, action, entity, pluginId, key: entity ? `${action}+${entity.action}@${entity.kind}` : action };
}
