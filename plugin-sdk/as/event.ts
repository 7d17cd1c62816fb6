import { Obj } from "./json/index";
import { Principal } from "./principal";

/**
 * An event delivered to a subscription (`handle_event`). Delivery is at least once: use `id` to
 * make the handler idempotent.
 */
export class Event {
  /** The manifest subscription name it was delivered to. */
  subscription: string = "";
  /** The outbox id, unique across events. */
  id: i64 = 0;
  /** `task.deleted`, `project.created`… */
  type: string = "";
  projectId: string | null = null;
  projectSeq: i64 = 0;
  payload: Obj = new Obj();
  actor: Principal | null = null;
  /** `user`, `agent`, `automation`, `system` or `plugin`. */
  origin: string = "";
  /** ISO 8601. */
  occurredAt: string = "";

  static fromJson(input: Obj): Event {
    const event = new Event();
    const subscription = input.getString("subscription");
    if (subscription !== null) event.subscription = subscription;
    const inner = input.getObj("event");
    if (inner === null) return event;
    event.id = inner.getInt("id");
    const type = inner.getString("type");
    if (type !== null) event.type = type;
    event.projectId = inner.getString("project_id");
    event.projectSeq = inner.getInt("project_seq");
    const payload = inner.getObj("payload");
    if (payload !== null) event.payload = payload;
    event.actor = Principal.from(inner.get("actor"));
    const origin = inner.getString("origin");
    if (origin !== null) event.origin = origin;
    const occurredAt = inner.getString("occurred_at");
    if (occurredAt !== null) event.occurredAt = occurredAt;
    return event;
  }
}
