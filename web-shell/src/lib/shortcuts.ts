import type { ShortcutBinding } from '@paca/plugin-sdk/web';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

/** `Mod+Shift+K` → does this keydown match it? Mod is ⌘ on macOS and Ctrl elsewhere. */
export function matchesChord(event: KeyboardEvent, chord: string): boolean {
  const parts = chord.split('+');
  const key = parts.pop()!.toLowerCase();
  const want = new Set(parts);
  const mod = isMac ? event.metaKey : event.ctrlKey;
  if (want.has('Mod') !== mod) return false;
  if (want.has('Shift') !== event.shiftKey) return false;
  if (want.has('Alt') !== event.altKey) return false;
  if (!isMac && event.metaKey) return false;
  const pressed = event.key.toLowerCase();
  // Shift changes event.key for punctuation; fall back to the physical key.
  return pressed === key || (key.length === 1 && event.code.toLowerCase() === `key${key}`) || (key === ',' && event.code === 'Comma') || (key === '/' && event.code === 'Slash')
    || (key === '[' && event.code === 'BracketLeft') || (key === ']' && event.code === 'BracketRight');
}

/** Typing in a field, a contenteditable or an IME composition: most shortcuts stand down. */
export function isTyping(event: KeyboardEvent): boolean {
  if (event.isComposing) return true;
  const target = event.target as HTMLElement | null;
  if (!target) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Runs the most recently registered binding for the chord; `preventDefault` only when one runs. */
export function dispatchShortcut(event: KeyboardEvent, bindings: ShortcutBinding[]): boolean {
  const typing = isTyping(event);
  for (let i = bindings.length - 1; i >= 0; i--) {
    const binding = bindings[i]!;
    if (!matchesChord(event, binding.keys)) continue;
    if (typing && !binding.whileTyping) continue;
    event.preventDefault();
    binding.run(event);
    return true;
  }
  return false;
}
