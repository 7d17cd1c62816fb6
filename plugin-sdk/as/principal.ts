import { Value } from "./json/index";

/** Who made a request or caused an event: `type` is `user` or `agent`. */
export class Principal {
  constructor(public type: string, public id: string) {}

  /** The principal in `{"type", "id"}`, or null when the value is absent, null or malformed. */
  static from(value: Value | null): Principal | null {
    if (value === null) return null;
    const obj = value.asObj();
    if (obj === null) return null;
    const type = obj.getString("type");
    const id = obj.getString("id");
    if (type === null || id === null) return null;
    return new Principal(type, id);
  }
}
