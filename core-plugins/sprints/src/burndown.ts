import type { TaskHistory } from '@paca/plugin-tasks';
import { addDays, daysBetween } from './calendar.js';
import { points } from './sprint-tasks.js';

/*
 * D29's burndown, computed from the task history rather than stored: for each UTC day of the
 * sprint, which tasks were in it at the end of that day, with their estimate and whether their
 * status was in a `done` category then. A task's state at an instant is its current state with
 * every change recorded at or after that instant undone, newest first.
 */

export interface BurndownDay {
  date: string;
  /** Scope: every task in the sprint at the end of the day. */
  total_points: number;
  total_tasks: number;
  remaining_points: number;
  remaining_tasks: number;
  completed_points: number;
  completed_tasks: number;
}

export interface BurndownInput {
  sprintId: string;
  /** First and last calendar day to report (`YYYY-MM-DD`), last included. */
  firstDay: string;
  lastDay: string;
  /** Nothing at or after this instant counts (the completion: its own moves are not progress). */
  until: Date | null;
  histories: readonly TaskHistory[];
  doneStatusIds: ReadonlySet<string>;
}

type State = { sprint_id: string | null; status_id: string; story_points: number | null };

/** The task's fields just before `instant`, or null when it did not exist then. */
export function stateAt(history: TaskHistory, instant: Date): State | null {
  const at = instant.getTime();
  if (Date.parse(history.created_at) >= at) return null;
  if (history.deleted_at !== null && Date.parse(history.deleted_at) < at) return null;
  const state: Record<string, unknown> = { ...history.current };
  for (let i = history.changes.length - 1; i >= 0; i--) {
    const change = history.changes[i]!;
    if (Date.parse(change.at) < at) break;
    state[change.field] = change.old;
  }
  return state as State;
}

export function burndown(input: BurndownInput): BurndownDay[] {
  return daysBetween(input.firstDay, input.lastDay).map((date) => {
    const endOfDay = new Date(`${addDays(date, 1)}T00:00:00Z`);
    const instant = input.until && input.until < endOfDay ? input.until : endOfDay;
    const day: BurndownDay = { date, total_points: 0, total_tasks: 0, remaining_points: 0, remaining_tasks: 0, completed_points: 0, completed_tasks: 0 };
    for (const history of input.histories) {
      const state = stateAt(history, instant);
      if (!state || state.sprint_id !== input.sprintId) continue;
      const estimate = points(state.story_points);
      day.total_points += estimate;
      day.total_tasks += 1;
      if (input.doneStatusIds.has(state.status_id)) {
        day.completed_points += estimate;
        day.completed_tasks += 1;
      } else {
        day.remaining_points += estimate;
        day.remaining_tasks += 1;
      }
    }
    return day;
  });
}

/** The straight line from the committed points on the first day to zero on the last planned day. */
export function idealLine(committedPoints: number, firstDay: string, endDay: string): Array<{ date: string; remaining_points: number }> {
  const days = daysBetween(firstDay, endDay);
  const steps = Math.max(days.length - 1, 1);
  return days.map((date, i) => ({ date, remaining_points: Math.round((committedPoints * (1 - i / steps)) * 100) / 100 }));
}
