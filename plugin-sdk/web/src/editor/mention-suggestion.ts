import { Extension } from '@tiptap/core';
import { PluginKey } from '@tiptap/pm/state';
import Suggestion from '@tiptap/suggestion';

export interface MentionCandidate {
  /** The handle written after `@` (a username or an agent's handle). */
  handle: string;
  label: string;
  agent?: boolean;
}

/**
 * `@` autocomplete that writes plain `@handle` text: comments stay Markdown (D1) and the kernel
 * finds mentions in the text itself. The list is a small DOM popup under the caret.
 */
export function mentionSuggestion(search: (query: string) => Promise<MentionCandidate[]> | MentionCandidate[]) {
  return Extension.create({
    name: 'pacaMention',
    addProseMirrorPlugins() {
      return [Suggestion<MentionCandidate>({
        editor: this.editor,
        pluginKey: new PluginKey('pacaMention'),
        char: '@',
        items: async ({ query }) => (await search(query)).slice(0, 8),
        command: ({ editor, range, props }) => {
          editor.chain().focus().insertContentAt(range, `@${props.handle} `).run();
        },
        render: () => {
          let popup: HTMLDivElement | null = null;
          let items: MentionCandidate[] = [];
          let active = 0;
          let choose: (item: MentionCandidate) => void = () => undefined;
          const draw = () => {
            if (!popup) return;
            popup.replaceChildren(...items.map((item, i) => {
              const row = document.createElement('button');
              row.type = 'button';
              row.className = `flex w-full items-center gap-2 rounded px-2 h-7 text-left text-[13px] ${i === active ? 'bg-hover' : ''}`;
              row.textContent = `${item.label}  @${item.handle}${item.agent ? ' · agent' : ''}`;
              row.onmousedown = (event) => { event.preventDefault(); choose(item); };
              return row;
            }));
            popup.style.display = items.length ? 'block' : 'none';
          };
          const place = (rect: DOMRect | null | undefined) => {
            if (!popup || !rect) return;
            popup.style.left = `${rect.left + window.scrollX}px`;
            popup.style.top = `${rect.bottom + window.scrollY + 4}px`;
          };
          return {
            onStart: (props) => {
              popup = document.createElement('div');
              popup.setAttribute('role', 'listbox');
              popup.className = 'paca-mention-popup fixed z-[60] min-w-[200px] rounded-lg border border-border bg-surface p-1 text-fg shadow-lg';
              popup.style.position = 'absolute';
              document.body.appendChild(popup);
              items = props.items; active = 0; choose = (item) => props.command(item);
              place(props.clientRect?.()); draw();
            },
            onUpdate: (props) => { items = props.items; active = 0; choose = (item) => props.command(item); place(props.clientRect?.()); draw(); },
            onKeyDown: ({ event }) => {
              if (!items.length) return false;
              if (event.key === 'ArrowDown') { active = (active + 1) % items.length; draw(); return true; }
              if (event.key === 'ArrowUp') { active = (active - 1 + items.length) % items.length; draw(); return true; }
              if (event.key === 'Enter' || event.key === 'Tab') { const item = items[active]; if (item) choose(item); return true; }
              if (event.key === 'Escape') { items = []; draw(); return true; }
              return false;
            },
            onExit: () => { popup?.remove(); popup = null; },
          };
        },
      })];
    },
  });
}
