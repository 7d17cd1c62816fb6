/*
 * Caps on a task's scenarios. They keep every call inside the sandbox's limits with room to spare:
 * a task's whole list or feature file (50 scenarios of 25 steps of 300 characters) stays under
 * the 1 MiB answer cap. Breaking them is a BDD_INVALID_SCENARIO like any other rule.
 */
export const MAX_SCENARIOS_PER_TASK: i32 = 50;
export const MAX_STEPS: i32 = 25;
export const MAX_TITLE_LENGTH: i32 = 200;
export const MAX_STEP_LENGTH: i32 = 300;
/** A pasted scenario: 25 steps of 300 characters with their keywords and indentation fit well within it. */
export const MAX_GHERKIN_LENGTH: i32 = 20000;

/** The document store's largest page: reads ask for all of a task's scenarios, the caps keep that small. */
export const READ_ALL: i32 = 500;
