// @paca/plugin-sdk/web/editor — Tiptap with Markdown, loaded only when a page shows rich text
// (it is the heaviest shared module; the shell's first load stays small).
export { default as MarkdownEditor } from './MarkdownEditor.vue';
export { default as MarkdownView } from './MarkdownView.vue';
export type { MentionCandidate } from './mention-suggestion.js';
