import { describe, expect, it } from 'vitest';
import { watchToolList } from './tool-list-watcher.js';

/** A tool listing the test controls: the names, or an error to throw, and a gate to hold a listing open. */
function listing(initial: string[]) {
  const state = { names: initial as string[] | Error, calls: 0, gate: null as Promise<void> | null };
  return {
    state,
    async listNames() {
      state.calls += 1;
      if (state.gate) await state.gate;
      if (state.names instanceof Error) throw state.names;
      return state.names;
    },
  };
}

describe('watchToolList', () => {
  it('notifies when the names change, not when only their order does', async () => {
    const source = listing(['a', 'b']);
    let changes = 0;
    const watcher = await watchToolList({ listNames: source.listNames, onChange: () => void (changes += 1), pollMs: 0 });
    source.state.names = ['b', 'a'];
    await watcher.check();
    expect(changes).toBe(0);
    source.state.names = ['a', 'b', 'c'];
    await watcher.check();
    expect(changes).toBe(1);
    await watcher.check();
    expect(changes).toBe(1);
    watcher.close();
  });

  it('ignores a failed listing, and tells the client once the API answers after a failed start', async () => {
    const source = listing(['a']);
    source.state.names = new Error('ECONNREFUSED');
    let changes = 0;
    const logged: string[] = [];
    const watcher = await watchToolList({ listNames: source.listNames, onChange: () => void (changes += 1), pollMs: 0, logger: (m) => logged.push(m) });
    expect(logged[0]).toContain('ECONNREFUSED');
    source.state.names = ['a'];
    await watcher.check();
    expect(changes).toBe(1);
    source.state.names = new Error('down again');
    await watcher.check();
    source.state.names = ['a'];
    await watcher.check();
    expect(changes).toBe(1);
    watcher.close();
  });

  it('coalesces checks asked for during a listing into one more', async () => {
    const source = listing(['a']);
    let changes = 0;
    const watcher = await watchToolList({ listNames: source.listNames, onChange: () => void (changes += 1), pollMs: 0 });
    let open!: () => void;
    source.state.gate = new Promise((resolve) => (open = resolve));
    const first = watcher.check();
    // The switch lands while the first listing is in flight: the list that one reads may predate it.
    source.state.names = ['a', 'b'];
    const during = [watcher.check(), watcher.check(), watcher.check()];
    source.state.gate = null;
    open();
    await Promise.all([first, ...during]);
    expect(source.state.calls).toBe(3);
    expect(changes).toBe(1);
    watcher.close();
  });

  it('polls on its own, and stops when closed', async () => {
    const source = listing(['a']);
    let changes = 0;
    const watcher = await watchToolList({ listNames: source.listNames, onChange: () => void (changes += 1), pollMs: 30 });
    source.state.names = ['a', 'z'];
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(changes).toBe(1);
    watcher.close();
    const calls = source.state.calls;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(source.state.calls).toBe(calls);
  });
});
