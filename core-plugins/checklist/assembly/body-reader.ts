import { fail, JSON, Response } from "@paca/plugin-sdk/as";

/**
 * Reads a request body's fields and remembers the first problem, so a handler reads every field
 * and then refuses once with 422 `VALIDATION_FAILED` naming the field. The kernel has validated the
 * body against the route's schema already; this is the plugin's own check, which also trims texts
 * and counts characters as people do (code points, not UTF-16 units).
 *
 *   const input = new BodyReader(req.body(), "");
 *   const name = input.text("name", MAX_NAME_LENGTH, true);
 *   if (input.problem !== null) return input.refuse();
 */
export class BodyReader {
  problem: string | null = null;
  private body: JSON.Obj;

  /** `prefix` names nested objects in messages (`items[2].`). A missing body reads as empty. */
  constructor(body: JSON.Obj | null, private prefix: string) {
    this.body = body !== null ? body : new JSON.Obj();
  }

  has(field: string): bool {
    const value = this.body.get(field);
    return value !== null && !value.isNull;
  }

  /** A trimmed, non-blank text of at most `max` characters; null when absent (a problem if `required`). */
  text(field: string, max: i32, required: bool): string | null {
    const value = this.body.get(field);
    if (value === null || value.isNull) {
      if (required) this.note(field, "is required");
      return null;
    }
    const raw = value.asString();
    if (raw === null) {
      this.note(field, "must be a string");
      return null;
    }
    const text = raw.trim();
    if (text.length == 0) {
      this.note(field, "must not be blank");
      return null;
    }
    if (codePoints(text) > max) {
      this.note(field, "must be at most " + max.toString() + " characters");
      return null;
    }
    return text;
  }

  /** A boolean; `fallback` when absent. */
  flag(field: string, fallback: bool): bool {
    const value = this.body.get(field);
    if (value === null || value.isNull) return fallback;
    if (!value.isBool) {
      this.note(field, "must be true or false");
      return fallback;
    }
    return value.asBool();
  }

  /** A whole number from 0 to `max`; -1 when absent. */
  position(field: string, max: i32): i32 {
    const value = this.body.get(field);
    if (value === null || value.isNull) return -1;
    const n = value.asInt(-1);
    if (!value.isNumber || n < 0 || n > <i64>max) {
      this.note(field, "must be a whole number from 0 to " + max.toString());
      return -1;
    }
    return <i32>n;
  }

  /** A nested array; null when absent. */
  list(field: string): JSON.Arr | null {
    const value = this.body.get(field);
    if (value === null || value.isNull) return null;
    const list = value.asArr();
    if (list === null) this.note(field, "must be an array");
    return list;
  }

  /** Records a problem found by the caller (the first one wins). */
  note(field: string, problem: string): void {
    if (this.problem === null) this.problem = this.prefix + field + " " + problem;
  }

  /** Takes over the first problem of a reader of a nested object. */
  adopt(nested: BodyReader): void {
    if (this.problem === null) this.problem = nested.problem;
  }

  /** The 422 for the first problem. */
  refuse(): Response {
    return fail(422, "VALIDATION_FAILED", this.problem!);
  }
}

/** Characters as a person counts them: a surrogate pair is one. */
export function codePoints(text: string): i32 {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
