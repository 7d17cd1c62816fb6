import { callHost, HostResult } from "../host-call";
import { Obj } from "../json/index";
import { Query } from "./query";

/**
 * The plugin's document store (D22, permission `collections`): collections declared in
 * `plugin.json`, scoped by the host to the plugin and to the project of the call. Writes are
 * buffered and commit when the call succeeds; reads in the same call see them.
 *
 * @example
 * const saved = collections.put("checklists", new JSON.Obj().setString("title", "Release"));
 * const id = saved.value.asObj()!.getString("id");
 */
export namespace collections {
  /** Inserts (without `id` the host assigns one) or replaces a document; value `{id, doc}`. */
  export function put(collection: string, doc: Obj, id: string | null = null): HostResult {
    const args = new Obj().setString("collection", collection);
    if (id !== null) args.setString("id", id);
    return callHost("collections.put", args.set("doc", doc));
  }

  /** Value: the document, or JSON null. */
  export function get(collection: string, id: string): HostResult {
    return callHost("collections.get", idArgs(collection, id));
  }

  /** `collections.delete` (`delete` is reserved here); value `{deleted: bool}`. */
  export function remove(collection: string, id: string): HostResult {
    return callHost("collections.delete", idArgs(collection, id));
  }

  /** Value `{items: [{id, doc}]}`. */
  export function query(q: Query): HostResult {
    return callHost("collections.query", q.toArgs());
  }
}

function idArgs(collection: string, id: string): Obj {
  return new Obj().setString("collection", collection).setString("id", id);
}
