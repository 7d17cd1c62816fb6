import { collections, fail, JSON, Principal, Query, Response } from "@paca/plugin-sdk/as";
import { Found, found, refusedWith } from "@paca/plugin-sdk/as";
import { READ_ALL } from "./limits";
import { placeAt, respacedRank } from "@paca/plugin-sdk/as";

/*
 * The plugin's documents (collections declared in plugin.json, scoped by the host to the call's
 * project):
 *   checklists  {task_id, name, rank}
 *   items       {task_id, checklist_id, text, checked, checked_by: {type, id} | null, rank}
 * Items are documents of their own rather than an array inside their checklist, so that two people
 * checking two items of one list at once both keep their change (a put replaces a whole document).
 */
export const CHECKLISTS = "checklists";
export const ITEMS = "items";

/** A stored document and its id. */
export class Doc {
  constructor(public id: string, public doc: JSON.Obj) {}

  get rank(): f64 {
    return this.doc.getFloat("rank", 0);
  }

  text(field: string): string {
    const value = this.doc.getString(field);
    return value !== null ? value : "";
  }
}

/** A task's checklists, in order. */
export function checklistsOfTask(taskId: string): Found<Array<Doc>> {
  return queryAll(new Query(CHECKLISTS).eq("task_id", new JSON.Str(taskId)).orderBy("rank"));
}

/** A checklist's items, in order. */
export function itemsOfChecklist(checklistId: string): Found<Array<Doc>> {
  return queryAll(new Query(ITEMS).eq("checklist_id", new JSON.Str(checklistId)).orderBy("rank"));
}

/** Up to a page of a task's items in no particular order (for cleaning up after the task). */
export function someItemsOfTask(taskId: string): Found<Array<Doc>> {
  return queryAll(new Query(ITEMS).eq("task_id", new JSON.Str(taskId)));
}

/** A new item's document; its rank is set by the caller. */
export function newItem(taskId: string, checklistId: string, text: string, checked: bool, by: Principal | null): JSON.Obj {
  return new JSON.Obj()
    .setString("task_id", taskId)
    .setString("checklist_id", checklistId)
    .setString("text", text)
    .setBool("checked", checked)
    .set("checked_by", checked ? principalJson(by) : new JSON.Null());
}

/** Who checked an item: `{type, id}`, or null for an anonymous caller. */
export function principalJson(principal: Principal | null): JSON.Value {
  if (principal === null) return new JSON.Null();
  return new JSON.Obj().setString("type", principal.type).setString("id", principal.id);
}

/** The checklist, if it belongs to the task; else 404 `CHECKLIST_NOT_FOUND`. */
export function findChecklist(taskId: string, checklistId: string): Found<Doc> {
  return findOwned(CHECKLISTS, checklistId, "task_id", taskId, "CHECKLIST_NOT_FOUND", "checklist");
}

/** The item, if it belongs to the checklist; else 404 `CHECKLIST_ITEM_NOT_FOUND`. */
export function findItem(checklistId: string, itemId: string): Found<Doc> {
  return findOwned(ITEMS, itemId, "checklist_id", checklistId, "CHECKLIST_ITEM_NOT_FOUND", "checklist item");
}

/** Stores a new document; its id comes from the host. */
export function insert(collection: string, doc: JSON.Obj): Found<Doc> {
  const saved = collections.put(collection, doc);
  if (!saved.ok) return refusedWith<Doc>(saved.fail());
  const answer = saved.value.asObj();
  const id = answer !== null ? answer.getString("id") : null;
  if (id === null) return refusedWith<Doc>(fail(500, "PLUGIN_HOST_CALL_FAILED", "collections.put answered without an id"));
  return found<Doc>(new Doc(id, doc));
}

/** Replaces a stored document. Null when saved. */
export function save(collection: string, stored: Doc): Response | null {
  const saved = collections.put(collection, stored.doc, stored.id);
  return saved.ok ? null : saved.fail();
}

export function remove(collection: string, id: string): Response | null {
  const removed = collections.remove(collection, id);
  return removed.ok ? null : removed.fail();
}

/**
 * Sets `doc`'s rank for position `index` among `siblings` (in order, without it). When their
 * ranks have no room left there, the siblings are respaced and saved; `doc` is left to the caller.
 */
export function rankAmong(collection: string, siblings: Array<Doc>, index: i32, doc: JSON.Obj): Response | null {
  const ranks = new Array<f64>(siblings.length);
  for (let i = 0; i < siblings.length; i++) ranks[i] = siblings[i].rank;
  const placement = placeAt(ranks, index);
  doc.setFloat("rank", placement.rank);
  if (!placement.respace) return null;
  for (let i = 0; i < siblings.length; i++) {
    siblings[i].doc.setFloat("rank", respacedRank(i, index));
    const refusal = save(collection, siblings[i]);
    if (refusal !== null) return refusal;
  }
  return null;
}

/** The rank after the last of `siblings` (in order). */
export function rankAfter(siblings: Array<Doc>): f64 {
  return siblings.length == 0 ? 0 : siblings[siblings.length - 1].rank + 1;
}

/** The index of the document with `id` in `docs`, or -1. */
export function indexOf(docs: Array<Doc>, id: string): i32 {
  for (let i = 0; i < docs.length; i++) if (docs[i].id == id) return i;
  return -1;
}

/** `docs` without the one with `id`, in order. */
export function without(docs: Array<Doc>, id: string): Array<Doc> {
  const rest = new Array<Doc>();
  for (let i = 0; i < docs.length; i++) if (docs[i].id != id) rest.push(docs[i]);
  return rest;
}

/** Deletes a checklist with its items; the value is the items it had. */
export function removeChecklist(checklist: Doc): Found<Array<Doc>> {
  const items = itemsOfChecklist(checklist.id);
  if (items.refused) return items;
  for (let i = 0; i < items.value.length; i++) {
    const refusal = remove(ITEMS, items.value[i].id);
    if (refusal !== null) return refusedWith<Array<Doc>>(refusal);
  }
  const refusal = remove(CHECKLISTS, checklist.id);
  if (refusal !== null) return refusedWith<Array<Doc>>(refusal);
  return items;
}

function queryAll(query: Query): Found<Array<Doc>> {
  const page = collections.query(query.limit(READ_ALL));
  if (!page.ok) return refusedWith<Array<Doc>>(page.fail());
  const docs = new Array<Doc>();
  const answer = page.value.asObj();
  const items = answer !== null ? answer.getArr("items") : null;
  if (items === null) return found<Array<Doc>>(docs);
  for (let i = 0; i < items.length; i++) {
    const entry = items.at(i)!.asObj();
    if (entry === null) continue;
    const id = entry.getString("id");
    const doc = entry.getObj("doc");
    if (id !== null && doc !== null) docs.push(new Doc(id, doc));
  }
  return found<Array<Doc>>(docs);
}

function findOwned(collection: string, id: string, ownerField: string, ownerId: string, code: string, what: string): Found<Doc> {
  const read = collections.get(collection, id);
  if (!read.ok) return refusedWith<Doc>(read.fail());
  const doc = read.value.asObj();
  const owner = doc !== null ? doc.getString(ownerField) : null;
  if (doc === null || owner === null || owner != ownerId) return refusedWith<Doc>(fail(404, code, what + " " + id + " not found"));
  return found<Doc>(new Doc(id, doc));
}
