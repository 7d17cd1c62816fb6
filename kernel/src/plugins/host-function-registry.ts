import { isPacaError, pluginSchemaName, type HostFunctionDefinition, type PluginManifest, type PrincipalRef } from '@paca/plugin-sdk';
import type { Knex } from 'knex';
import type { IamService } from '../iam/iam-service.js';
import type { PolicySet } from '../iam/policy-set.js';
import { bindPluginDb } from './plugin-db.js';
import { PluginHostFunctionInvalid } from './plugin-errors.js';
import type { PluginRegistry } from './plugin-registry.js';

export interface HostCall {
  /** The WASM plugin making the call. */
  caller: PluginManifest;
  /** The project of the request or event the call runs for. */
  projectId: string;
  principal: PrincipalRef | null;
  policies: PolicySet;
  /** Optional plugins switched off in that project. */
  disabledPlugins: readonly string[];
  args: Record<string, unknown>;
}

/** What a guest receives: host functions never throw into the sandbox (STACK pitfalls). */
export type HostResult = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

interface Registered extends HostFunctionDefinition {
  owner: string;
}

/**
 * Host functions WASM plugins may call (D20): the kernel's own (`projects.get`, `members.list`)
 * and those plugins contribute (`tasks.list`). Every call is checked, in this order, against the
 * caller's manifest permissions, the call's project, the owning plugin's enablement and the
 * calling principal's IAM actions — before any contributed code runs.
 */
export class HostFunctionRegistry {
  private readonly functions = new Map<string, Registered>();

  constructor(private readonly db: Knex, private readonly iam: IamService, private readonly registry: PluginRegistry) {}

  /** Checks a contribution; `commit` adds it once its plugin has loaded. */
  validate(owner: string, definition: HostFunctionDefinition, namespace: string | null): void {
    const invalid = (reason: string) => PluginHostFunctionInvalid({ plugin_id: owner, function: definition.name, reason });
    if (!/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/.test(definition.name)) throw invalid('name must look like namespace.verb');
    if (namespace && !definition.name.startsWith(`${namespace}.`)) throw invalid(`name must start with ${namespace}.`);
    if (this.functions.has(definition.name)) throw invalid(`already contributed by ${this.functions.get(definition.name)!.owner}`);
    if (!definition.permission || !definition.action) throw invalid('needs a manifest permission and an IAM action');
    if (typeof definition.handler !== 'function') throw invalid('needs a handler');
  }

  commit(owner: string, definition: HostFunctionDefinition): void {
    this.functions.set(definition.name, { ...definition, owner });
  }

  names(): string[] {
    return [...this.functions.keys()].sort();
  }

  async invoke(name: string, call: HostCall): Promise<HostResult> {
    const denied = (message: string): HostResult => ({ ok: false, error: { code: 'PLUGIN_PERMISSION_DENIED', message } });
    const fn = this.functions.get(name);
    if (!fn) return { ok: false, error: { code: 'PLUGIN_HOST_FUNCTION_NOT_FOUND', message: `host function ${name} does not exist` } };
    if (!call.caller.permissions.includes(fn.permission)) return denied(`${name} needs the permission ${fn.permission} in plugin.json`);
    const named = [call.args.project_id, call.args.projectId].filter((v) => v !== undefined);
    if (named.some((v) => typeof v !== 'string' || v.toLowerCase() !== call.projectId)) return denied(`${name} may only reach the project of this call`);
    if (fn.owner !== 'kernel' && (!this.registry.isServing(fn.owner) || call.disabledPlugins.includes(fn.owner))) {
      return { ok: false, error: { code: 'PLUGIN_NOT_ENABLED', message: `plugin ${fn.owner} is not enabled in this project` } };
    }
    if (!this.iam.allows(call.policies, fn.action, `project/${call.projectId}`)) return denied(`the caller may not ${fn.action} in this project`);
    try {
      const schema = fn.owner === 'kernel' ? 'public' : pluginSchemaName(fn.owner);
      const value = await fn.handler({ projectId: call.projectId, principal: call.principal, db: bindPluginDb(this.db, schema), args: call.args });
      return { ok: true, value };
    } catch (error) {
      if (isPacaError(error)) return { ok: false, error: { code: error.code, message: error.message } };
      return { ok: false, error: { code: 'PLUGIN_HOST_CALL_FAILED', message: `${name} failed` } };
    }
  }
}
