import { PluginManifest, type PacaError } from '@paca/plugin-sdk';
import { describe, expect, it } from 'vitest';
import { resolveLoadOrder } from './load-order.js';

// Which plugins may load and in what order (DESIGN 4, D19): kernel range, `requires` with version
// ranges, cycles refused, dependencies before dependants; a failure names the plugin and its cause.

const HOST = '0.1.0';

function manifest(id: string, requires: Record<string, string> = {}, overrides: Record<string, unknown> = {}): PluginManifest {
  return PluginManifest.parse({ id, name: id, version: '1.0.0', kernel: '^0.1.0', runtime: 'native', main: 'index.js', requires, ...overrides });
}

function ids(order: PluginManifest[]): string[] {
  return order.map((m) => m.id);
}

function failure(failures: Map<string, PacaError>, id: string): { code: string; details: Record<string, unknown> } {
  const error = failures.get(id);
  expect(error, `expected ${id} to fail`).toBeDefined();
  return { code: error!.code, details: error!.details as Record<string, unknown> };
}

describe('resolveLoadOrder', () => {
  it('puts every dependency before its dependants, whatever order the manifests arrive in', () => {
    const manifests = [
      manifest('alpha', { 'beta-x': '^1.0.0' }),
      manifest('beta-x', { charlie: '^1.0.0' }),
      manifest('zulu'),
      manifest('charlie'),
    ];
    for (const input of [manifests, [...manifests].reverse()]) {
      const { order, failures } = resolveLoadOrder(input, HOST);
      expect(failures.size).toBe(0);
      const loaded = ids(order);
      expect(loaded.sort()).toEqual(['alpha', 'beta-x', 'charlie', 'zulu']);
      const at = (id: string) => ids(order).indexOf(id);
      expect(at('charlie')).toBeLessThan(at('beta-x'));
      expect(at('beta-x')).toBeLessThan(at('alpha'));
    }
  });

  it('is deterministic: the same set gives the same order from any input order', () => {
    const manifests = [manifest('delta', { echo: '*' }), manifest('echo'), manifest('foxtrot'), manifest('golf', { echo: '^1.0.0' })];
    const first = ids(resolveLoadOrder(manifests, HOST).order);
    expect(ids(resolveLoadOrder([...manifests].reverse(), HOST).order)).toEqual(first);
    expect(ids(resolveLoadOrder([manifests[2]!, manifests[0]!, manifests[3]!, manifests[1]!], HOST).order)).toEqual(first);
  });

  it('fails a plugin whose dependency has the wrong version, naming the found version; its dependants fail after it', () => {
    const { order, failures } = resolveLoadOrder([
      manifest('base', {}, { version: '1.4.2' }),
      manifest('needs-two', { base: '^2.0.0' }),
      manifest('needs-one', { base: '~1.4.0' }),
      manifest('on-top', { 'needs-two': '*' }),
    ], HOST);
    expect(ids(order).sort()).toEqual(['base', 'needs-one']);
    expect(failure(failures, 'needs-two')).toEqual({
      code: 'PLUGIN_DEPENDENCY_MISSING',
      details: { plugin_id: 'needs-two', dependency: 'base', required_version: '^2.0.0', found_version: '1.4.2' },
    });
    const onTop = failure(failures, 'on-top');
    expect(onTop.code).toBe('PLUGIN_DEPENDENCY_MISSING');
    expect(onTop.details).toMatchObject({ plugin_id: 'on-top', dependency: 'needs-two', required_version: '*' });
    expect(onTop.details.reason).toContain('PLUGIN_DEPENDENCY_MISSING');
    expect(failures.size).toBe(2);
  });

  it('fails a plugin whose dependency is not installed at all', () => {
    const { order, failures } = resolveLoadOrder([manifest('lonely', { ghost: '^1.0.0' })], HOST);
    expect(order).toEqual([]);
    expect(failure(failures, 'lonely')).toEqual({
      code: 'PLUGIN_DEPENDENCY_MISSING', details: { plugin_id: 'lonely', dependency: 'ghost', required_version: '^1.0.0' },
    });
  });

  it('fails a plugin built for another kernel, with both versions, and what requires it', () => {
    const { order, failures } = resolveLoadOrder([manifest('future', {}, { kernel: '>=99.0.0' }), manifest('fan', { future: '*' }), manifest('plain')], HOST);
    expect(ids(order)).toEqual(['plain']);
    expect(failure(failures, 'future')).toEqual({
      code: 'PLUGIN_INCOMPATIBLE_HOST_VERSION', details: { plugin_id: 'future', required_version: '>=99.0.0', host_version: HOST },
    });
    expect(failure(failures, 'fan').details).toMatchObject({ dependency: 'future', reason: expect.stringContaining('PLUGIN_INCOMPATIBLE_HOST_VERSION') });
  });

  it('accepts a prerelease host inside the range', () => {
    // Without includePrerelease, 0.1.1-rc.1 would not satisfy ^0.1.0 and every plugin would fail on a release candidate.
    const { order, failures } = resolveLoadOrder([manifest('edge', {}, { kernel: '^0.1.0' })], '0.1.1-rc.1');
    expect(failures.size).toBe(0);
    expect(ids(order)).toEqual(['edge']);
  });

  it('refuses a self-contained cycle of three, every member naming the cycle from itself; the rest still loads', () => {
    const { order, failures } = resolveLoadOrder([
      manifest('one', { two: '*' }),
      manifest('two', { three: '*' }),
      manifest('three', { one: '*' }),
      manifest('outside'),
      manifest('rider', { one: '*' }),
    ], HOST);
    expect(ids(order)).toEqual(['outside']);
    expect(failure(failures, 'one')).toEqual({ code: 'PLUGIN_DEPENDENCY_CYCLE', details: { plugin_id: 'one', cycle: ['one', 'two', 'three', 'one'] } });
    expect(failure(failures, 'two')).toEqual({ code: 'PLUGIN_DEPENDENCY_CYCLE', details: { plugin_id: 'two', cycle: ['two', 'three', 'one', 'two'] } });
    expect(failure(failures, 'three')).toEqual({ code: 'PLUGIN_DEPENDENCY_CYCLE', details: { plugin_id: 'three', cycle: ['three', 'one', 'two', 'three'] } });
    // Depending on a cycle is not being in it: the dependant fails with the cycle as the reason.
    const rider = failure(failures, 'rider');
    expect(rider.code).toBe('PLUGIN_DEPENDENCY_MISSING');
    expect(rider.details).toMatchObject({ dependency: 'one', reason: expect.stringContaining('PLUGIN_DEPENDENCY_CYCLE') });
  });

  it('refuses a two-plugin cycle the same way', () => {
    const { order, failures } = resolveLoadOrder([manifest('ping', { pong: '*' }), manifest('pong', { ping: '*' })], HOST);
    expect(order).toEqual([]);
    expect(failure(failures, 'ping').details.cycle).toEqual(['ping', 'pong', 'ping']);
    expect(failure(failures, 'pong').details.cycle).toEqual(['pong', 'ping', 'pong']);
  });

  it('loads a diamond once each: the shared base first, the top last', () => {
    const manifests = [
      manifest('top', { left: '^1.0.0', right: '^1.0.0' }),
      manifest('left', { base: '^1.0.0' }),
      manifest('right', { base: '^1.0.0' }),
      manifest('base'),
    ];
    for (const input of [manifests, [...manifests].reverse()]) {
      const { order, failures } = resolveLoadOrder(input, HOST);
      expect(failures.size).toBe(0);
      expect(ids(order)).toHaveLength(4);
      expect(ids(order)[0]).toBe('base');
      expect(ids(order)[3]).toBe('top');
      expect(ids(order).slice(1, 3).sort()).toEqual(['left', 'right']);
    }
  });

  it('fails only the diamond side whose version does not match, and the top with it', () => {
    const { order, failures } = resolveLoadOrder([
      manifest('top', { left: '*', right: '*' }),
      manifest('left', { base: '^1.0.0' }),
      manifest('right', { base: '^2.0.0' }),
      manifest('base'),
    ], HOST);
    expect(ids(order)).toEqual(['base', 'left']);
    expect(failure(failures, 'right').details).toMatchObject({ dependency: 'base', found_version: '1.0.0' });
    expect(failure(failures, 'top').details).toMatchObject({ dependency: 'right', reason: expect.stringContaining('PLUGIN_DEPENDENCY_MISSING') });
  });
});
