import { defineAsyncComponent } from 'vue';

export { default as PButton } from './PButton.vue';
export { default as PIconButton } from './PIconButton.vue';
export { default as PInput } from './PInput.vue';
export { default as PAvatar } from './PAvatar.vue';
export { default as PStatusIcon } from './PStatusIcon.vue';
export { default as PPriorityIcon } from './PPriorityIcon.vue';
export { default as PSkeleton } from './PSkeleton.vue';
export { default as PEmptyState } from './PEmptyState.vue';
export { default as PKbd } from './PKbd.vue';
export { default as PMenu } from './PMenu.vue';
export type { MenuItem } from './PMenu.vue';
export { default as PDialog } from './PDialog.vue';
export { default as PPopover } from './PPopover.vue';
export { default as PPicker } from './PPicker.vue';
export { default as PTooltip } from './PTooltip.vue';

export const PRIORITIES = [
  { importance: 0, label: 'No priority' },
  { importance: 1, label: 'Low' },
  { importance: 2, label: 'Medium' },
  { importance: 3, label: 'High' },
  { importance: 4, label: 'Urgent' },
] as const;

// The editor module is import-mapped like the SDK but fetched only when rich text renders.
export const MarkdownEditor = defineAsyncComponent(() => import('@paca/plugin-sdk/web/editor').then((m) => m.MarkdownEditor));
export const MarkdownView = defineAsyncComponent(() => import('@paca/plugin-sdk/web/editor').then((m) => m.MarkdownView));
