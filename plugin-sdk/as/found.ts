import { Response } from "./response";

/**
 * What a lookup gives a route handler: the value, or the response that refuses the request (its
 * failure already recorded with `fail`). AssemblyScript has no exceptions to carry a refusal up,
 * so each step returns one of these and the handler passes a refusal on:
 *
 *   const checklist = findChecklist(taskId, checklistId);  // a plugin's lookup returning Found<T>
 *   if (checklist.refused) return checklist.refusal!;
 */
export class Found<T> {
  constructor(private found: T | null, public refusal: Response | null) {}

  get refused(): bool {
    return this.refusal !== null;
  }

  /** The value; only read it when the lookup was not refused. */
  get value(): T {
    return this.found!;
  }
}

export function found<T>(value: T): Found<T> {
  return new Found<T>(value, null);
}

export function refusedWith<T>(refusal: Response): Found<T> {
  return new Found<T>(null, refusal);
}
