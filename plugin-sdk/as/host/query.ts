import { Arr, Obj, Value } from "../json/index";

/**
 * A `collections.query`: filters on the collection's indexed fields (equality and ranges, D22),
 * ordering and a limit.
 *
 * @example
 * const q = new Query("items")
 *   .eq("checklist_id", new JSON.Str(checklistId))
 *   .gte("position", new JSON.Integer(10))
 *   .orderBy("position")
 *   .limit(100);
 * const page = collections.query(q); // value {items: [{id, doc}]}
 */
export class Query {
  private where: Obj = new Obj();
  private order: Arr = new Arr();
  private max: i32 = 0;

  constructor(public collection: string) {}

  eq(field: string, value: Value): Query {
    this.where.set(field, value);
    return this;
  }

  ne(field: string, value: Value): Query {
    return this.compare(field, "ne", value);
  }

  gt(field: string, value: Value): Query {
    return this.compare(field, "gt", value);
  }

  gte(field: string, value: Value): Query {
    return this.compare(field, "gte", value);
  }

  lt(field: string, value: Value): Query {
    return this.compare(field, "lt", value);
  }

  lte(field: string, value: Value): Query {
    return this.compare(field, "lte", value);
  }

  /** `dir` is `asc` or `desc`; call again for a second key. */
  orderBy(field: string, dir: string = "asc"): Query {
    this.order.push(new Obj().setString("field", field).setString("dir", dir));
    return this;
  }

  limit(count: i32): Query {
    this.max = count;
    return this;
  }

  /** The ABI arguments: `{collection, where?, order_by?, limit?}`. */
  toArgs(): Obj {
    const args = new Obj().setString("collection", this.collection);
    if (this.where.keys().length > 0) args.set("where", this.where);
    if (this.order.length > 0) args.set("order_by", this.order);
    if (this.max > 0) args.setInt("limit", this.max);
    return args;
  }

  // Several operators on one field share one object: {position: {gte: 1, lt: 10}}.
  private compare(field: string, op: string, value: Value): Query {
    let condition = this.where.getObj(field);
    if (condition === null) {
      condition = new Obj();
      this.where.set(field, condition);
    }
    condition.set(op, value);
    return this;
  }
}
