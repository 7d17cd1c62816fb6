/*
 * Caps on what one task may hold. They keep every call inside the sandbox's limits with room to
 * spare: a task's whole list (20 × 100 items of 300 characters) stays under the 1 MiB answer cap,
 * and deleting a task's checklists stays far below the host calls one call may make. The route
 * schemas in plugin.json state the same numbers.
 */
export const MAX_CHECKLISTS_PER_TASK: i32 = 20;
export const MAX_ITEMS_PER_CHECKLIST: i32 = 100;
export const MAX_NAME_LENGTH: i32 = 200;
export const MAX_TEXT_LENGTH: i32 = 300;

/** The document store's largest page: reads ask for all of a task's documents, the caps keep that small. */
export const READ_ALL: i32 = 500;
