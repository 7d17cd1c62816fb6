import semver from 'semver';
import type { PacaError, PluginManifest } from '@paca/plugin-sdk';
import { PluginDependencyCycle, PluginDependencyMissing, PluginIncompatibleHostVersion } from './plugin-errors.js';

/**
 * Which plugins can load and in what order (DESIGN 4): kernel range, `requires` present with a
 * matching version, no cycles; dependencies before dependants. A plugin whose dependency fails
 * fails too, naming the dependency.
 */
export function resolveLoadOrder(manifests: PluginManifest[], hostVersion: string): { order: PluginManifest[]; failures: Map<string, PacaError> } {
  const byId = new Map(manifests.map((m) => [m.id, m]));
  const failures = new Map<string, PacaError>();

  for (const manifest of manifests) {
    if (!semver.satisfies(hostVersion, manifest.kernel, { includePrerelease: true })) {
      failures.set(manifest.id, PluginIncompatibleHostVersion({ plugin_id: manifest.id, required_version: manifest.kernel, host_version: hostVersion }));
      continue;
    }
    for (const [dependency, range] of Object.entries(manifest.requires)) {
      const found = byId.get(dependency);
      if (!found || !semver.satisfies(found.version, range, { includePrerelease: true })) {
        failures.set(manifest.id, PluginDependencyMissing({
          plugin_id: manifest.id, dependency, required_version: range, ...(found ? { found_version: found.version } : {}),
        }));
        break;
      }
    }
  }

  for (const cycle of findCycles(manifests)) {
    for (const id of cycle) if (!failures.has(id)) failures.set(id, PluginDependencyCycle({ plugin_id: id, cycle: [...rotateTo(cycle, id), id] }));
  }

  const order: PluginManifest[] = [];
  const placed = new Set<string>();
  const visit = (manifest: PluginManifest): boolean => {
    if (placed.has(manifest.id)) return true;
    if (failures.has(manifest.id)) return false;
    for (const dependency of Object.keys(manifest.requires)) {
      const required = byId.get(dependency)!;
      if (!visit(required)) {
        failures.set(manifest.id, dependencyFailed(manifest, dependency, failures.get(dependency)!));
        return false;
      }
    }
    placed.add(manifest.id);
    order.push(manifest);
    return true;
  };
  for (const manifest of [...manifests].sort((a, b) => a.id.localeCompare(b.id))) visit(manifest);
  return { order, failures };
}

/** The error a dependant gets when a plugin it requires failed to load (at boot, migration or init). */
export function dependencyFailed(manifest: PluginManifest, dependency: string, cause: PacaError): PacaError {
  return PluginDependencyMissing({
    plugin_id: manifest.id, dependency, required_version: manifest.requires[dependency] ?? '*', reason: `it failed to load (${cause.code})`,
  });
}

/** Strongly connected components with more than one member, or a self-loop (Tarjan). */
function findCycles(manifests: PluginManifest[]): string[][] {
  const ids = new Set(manifests.map((m) => m.id));
  const edges = new Map(manifests.map((m) => [m.id, Object.keys(m.requires).filter((d) => ids.has(d))]));
  let index = 0;
  const indices = new Map<string, number>();
  const lowlink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (id: string) => {
    indices.set(id, index);
    lowlink.set(id, index++);
    stack.push(id);
    onStack.add(id);
    for (const next of edges.get(id)!) {
      if (!indices.has(next)) {
        connect(next);
        lowlink.set(id, Math.min(lowlink.get(id)!, lowlink.get(next)!));
      } else if (onStack.has(next)) {
        lowlink.set(id, Math.min(lowlink.get(id)!, indices.get(next)!));
      }
    }
    if (lowlink.get(id) === indices.get(id)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== id);
      if (component.length > 1 || edges.get(id)!.includes(id)) cycles.push(component.reverse());
    }
  };
  for (const id of [...ids].sort()) if (!indices.has(id)) connect(id);
  return cycles;
}

function rotateTo(cycle: string[], id: string): string[] {
  const at = cycle.indexOf(id);
  return [...cycle.slice(at), ...cycle.slice(0, at)];
}
