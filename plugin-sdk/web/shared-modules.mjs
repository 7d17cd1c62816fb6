// The modules the shell provides once, through its import map, to itself and to every plugin
// (STACK.md "Web plugins through an import map"). Both sides must treat exactly these as external.
export const SHARED_MODULES = ['vue', 'pinia', 'vue-router', '@paca/plugin-sdk/web', '@paca/plugin-sdk/web/editor'];
