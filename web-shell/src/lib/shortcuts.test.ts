import { describe, expect, it, vi } from 'vitest';
import { dispatchShortcut, isTyping, matchesChord } from './shortcuts.js';

const key = (init: KeyboardEventInit & { target?: HTMLElement }) => {
  const event = new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init });
  if (init.target) Object.defineProperty(event, 'target', { value: init.target });
  return event;
};

describe('keyboard shortcuts (reference section 8)', () => {
  it('matches Mod chords with Ctrl off macOS, and nothing looser', () => {
    expect(matchesChord(key({ key: 'k', ctrlKey: true }), 'Mod+K')).toBe(true);
    expect(matchesChord(key({ key: 'k' }), 'Mod+K')).toBe(false);
    expect(matchesChord(key({ key: 'k', ctrlKey: true, shiftKey: true }), 'Mod+K')).toBe(false);
    expect(matchesChord(key({ key: '<', code: 'Comma', ctrlKey: true, shiftKey: true }), 'Mod+Shift+,')).toBe(true);
    expect(matchesChord(key({ key: 'Enter', ctrlKey: true }), 'Mod+Enter')).toBe(true);
  });

  it('stands down while typing unless the binding says otherwise, and prevents default only when one runs', () => {
    const input = document.createElement('input');
    const typing = key({ key: 'i', ctrlKey: true, target: input });
    expect(isTyping(typing)).toBe(true);
    const backlog = vi.fn();
    expect(dispatchShortcut(typing, [{ keys: 'Mod+I', description: 'Backlog', run: backlog }])).toBe(false);
    expect(backlog).not.toHaveBeenCalled();
    expect(typing.defaultPrevented).toBe(false);

    const save = vi.fn();
    const inEditor = key({ key: 's', ctrlKey: true, target: input });
    expect(dispatchShortcut(inEditor, [{ keys: 'Mod+S', description: 'Save', whileTyping: true, run: save }])).toBe(true);
    expect(save).toHaveBeenCalledOnce();
    expect(inEditor.defaultPrevented).toBe(true);
  });

  it('lets the most recently registered binding win (a page overrides the frame)', () => {
    const frame = vi.fn();
    const page = vi.fn();
    dispatchShortcut(key({ key: 'Enter', ctrlKey: true }), [
      { keys: 'Mod+Enter', description: 'frame', run: frame },
      { keys: 'Mod+Enter', description: 'page', run: page },
    ]);
    expect(page).toHaveBeenCalledOnce();
    expect(frame).not.toHaveBeenCalled();
  });
});
