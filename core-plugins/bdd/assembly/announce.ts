import { activity, ActivityEntry, events, JSON, Response } from "@paca/plugin-sdk/as";

/**
 * Tells people what changed, twice: an entry in the task's activity feed (shown as
 * `bdd.<action>`, with a sentence and the field changes) and an event for live clients and
 * webhooks. Both are buffered by the host and committed with the call's document writes, so a
 * failed call leaves no trace. Null when both were accepted.
 */
export function announce(taskId: string, action: string, sentence: string, changes: JSON.Arr | null, eventType: string, payload: JSON.Obj): Response | null {
  const entry = new ActivityEntry(action);
  entry.taskId = taskId;
  entry.content = sentence;
  entry.changes = changes;
  const recorded = activity.record(entry);
  if (!recorded.ok) return recorded.fail();
  const emitted = events.emit(eventType, payload);
  return emitted.ok ? null : emitted.fail();
}

/** Field changes as the task feed shows them: `[{field, old, new}]`. */
export class Changes {
  list: JSON.Arr = new JSON.Arr();

  add(field: string, before: JSON.Value, after: JSON.Value): Changes {
    this.list.push(new JSON.Obj().setString("field", field).set("old", before).set("new", after));
    return this;
  }

  get empty(): bool {
    return this.list.length == 0;
  }
}

/** A quoted text for activity sentences. */
export function quoted(text: string): string {
  return "\"" + text + "\"";
}
