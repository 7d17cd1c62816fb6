import { fail, JSON, Request, Response } from "@paca/plugin-sdk/as";
import { announce, Changes, quoted } from "./announce";
import { BodyReader } from "./body-reader";
import {
  Doc, findChecklist, findItem, indexOf, insert, ITEMS, itemsOfChecklist, newItem, principalJson, rankAmong, remove, save, without,
} from "./checklist-store";
import { itemView } from "./checklist-view";
import { MAX_ITEMS_PER_CHECKLIST, MAX_TEXT_LENGTH } from "./limits";
import { checkTask } from "./task";

/*
 * Routes under …/checklists/:checklistId/items. Each answers with the item as it now is,
 * including its `position` in its checklist.
 */

/** POST …/items `{text, checked?, position?}`: appended, or inserted at `position` (0 = first). */
export function addItem(req: Request): Response {
  const taskId = req.param("taskId")!;
  const input = new BodyReader(req.body(), "");
  const text = input.text("text", MAX_TEXT_LENGTH, true);
  const checked = input.flag("checked", false);
  const position = input.position("position", MAX_ITEMS_PER_CHECKLIST - 1);
  if (input.problem !== null) return input.refuse();

  const missing = checkTask(taskId);
  if (missing !== null) return missing;
  const checklist = findChecklist(taskId, req.param("checklistId")!);
  if (checklist.refused) return checklist.refusal!;
  const items = itemsOfChecklist(checklist.value.id);
  if (items.refused) return items.refusal!;
  const count = items.value.length;
  if (count >= MAX_ITEMS_PER_CHECKLIST) return itemLimitReached();
  if (position > count) return positionOutOfRange(count);
  const at = position < 0 ? count : position;

  const doc = newItem(taskId, checklist.value.id, text!, checked, req.caller);
  const ranked = rankAmong(ITEMS, items.value, at, doc);
  if (ranked !== null) return ranked;
  const created = insert(ITEMS, doc);
  if (created.refused) return created.refusal!;
  const item = created.value;

  const refusal = announce(taskId, "item_added", "Added " + quoted(text!) + " to " + quoted(checklist.value.text("name")), null,
    "checklist.item.added", itemPayload(taskId, item, at));
  if (refusal !== null) return refusal;
  return Response.json(201, itemView(item, at));
}

/** PATCH …/items/:itemId `{text?, checked?}`: edits the text, checks or unchecks. */
export function updateItem(req: Request): Response {
  const taskId = req.param("taskId")!;
  const input = new BodyReader(req.body(), "");
  const text = input.text("text", MAX_TEXT_LENGTH, false);
  const givesChecked = input.has("checked");
  const checked = input.flag("checked", false);
  if (input.problem !== null) return input.refuse();
  if (text === null && !givesChecked) return fail(422, "VALIDATION_FAILED", "give text or checked to change");

  const missing = checkTask(taskId);
  if (missing !== null) return missing;
  const checklist = findChecklist(taskId, req.param("checklistId")!);
  if (checklist.refused) return checklist.refusal!;
  const found = findItem(checklist.value.id, req.param("itemId")!);
  if (found.refused) return found.refusal!;
  const item = found.value;

  const oldText = item.text("text");
  const wasChecked = item.doc.getBool("checked");
  const changes = new Changes();
  if (text !== null && text != oldText) {
    item.doc.setString("text", text);
    changes.add("text", new JSON.Str(oldText), new JSON.Str(text));
  }
  if (givesChecked && checked != wasChecked) {
    item.doc.setBool("checked", checked).set("checked_by", checked ? principalJson(req.caller) : new JSON.Null());
    changes.add("checked", new JSON.Bool(wasChecked), new JSON.Bool(checked));
  }
  const items = itemsOfChecklist(checklist.value.id);
  if (items.refused) return items.refusal!;
  const at = indexOf(items.value, item.id);
  if (changes.empty) return Response.json(200, itemView(item, at));

  const saved = save(ITEMS, item);
  if (saved !== null) return saved;
  const name = quoted(checklist.value.text("name"));
  const edited = item.text("text") != oldText;
  let action: string;
  let sentence: string;
  if (edited) {
    action = "item_edited";
    sentence = "Changed " + quoted(oldText) + " to " + quoted(item.text("text")) + " in " + name;
  } else {
    action = checked ? "item_checked" : "item_unchecked";
    sentence = (checked ? "Checked " : "Unchecked ") + quoted(oldText) + " in " + name;
  }
  const refusal = announce(taskId, action, sentence, changes.list, "checklist.item.updated",
    itemPayload(taskId, item, at).set("changes", changes.list));
  if (refusal !== null) return refusal;
  return Response.json(200, itemView(item, at));
}

/** POST …/items/:itemId/move `{position, checklist_id?}`: to `position` in its checklist or in another of the task's. */
export function moveItem(req: Request): Response {
  const taskId = req.param("taskId")!;
  const input = new BodyReader(req.body(), "");
  const position = input.position("position", MAX_ITEMS_PER_CHECKLIST - 1);
  const targetId = input.text("checklist_id", 36, false);
  if (input.problem === null && position < 0) input.note("position", "is required");
  if (input.problem !== null) return input.refuse();

  const missing = checkTask(taskId);
  if (missing !== null) return missing;
  const source = findChecklist(taskId, req.param("checklistId")!);
  if (source.refused) return source.refusal!;
  const found = findItem(source.value.id, req.param("itemId")!);
  if (found.refused) return found.refusal!;
  const item = found.value;
  const sourceItems = itemsOfChecklist(source.value.id);
  if (sourceItems.refused) return sourceItems.refusal!;
  const from = indexOf(sourceItems.value, item.id);

  const crossing = targetId !== null && targetId != source.value.id;
  const target = crossing ? findChecklist(taskId, targetId!) : source;
  if (target.refused) return target.refusal!;
  let others = sourceItems.value;
  if (crossing) {
    const targetItems = itemsOfChecklist(target.value.id);
    if (targetItems.refused) return targetItems.refusal!;
    others = targetItems.value;
    if (others.length >= MAX_ITEMS_PER_CHECKLIST) return itemLimitReached();
  } else {
    others = without(others, item.id);
  }
  if (position > others.length) return positionOutOfRange(others.length);
  if (!crossing && position == from) return Response.json(200, itemView(item, from));

  const ranked = rankAmong(ITEMS, others, position, item.doc);
  if (ranked !== null) return ranked;
  const changes = new Changes();
  if (crossing) {
    item.doc.setString("checklist_id", target.value.id);
    changes.add("checklist_id", new JSON.Str(source.value.id), new JSON.Str(target.value.id));
  }
  changes.add("position", new JSON.Integer(from), new JSON.Integer(position));
  const saved = save(ITEMS, item);
  if (saved !== null) return saved;

  const sentence = crossing
    ? "Moved " + quoted(item.text("text")) + " from " + quoted(source.value.text("name")) + " to " + quoted(target.value.text("name"))
    : "Moved " + quoted(item.text("text")) + " to place " + (position + 1).toString() + " in " + quoted(target.value.text("name"));
  const refusal = announce(taskId, "item_moved", sentence, changes.list, "checklist.item.updated",
    itemPayload(taskId, item, position).set("changes", changes.list));
  if (refusal !== null) return refusal;
  return Response.json(200, itemView(item, position));
}

/** DELETE …/items/:itemId. */
export function deleteItem(req: Request): Response {
  const taskId = req.param("taskId")!;
  const missing = checkTask(taskId);
  if (missing !== null) return missing;
  const checklist = findChecklist(taskId, req.param("checklistId")!);
  if (checklist.refused) return checklist.refusal!;
  const found = findItem(checklist.value.id, req.param("itemId")!);
  if (found.refused) return found.refusal!;
  const item = found.value;
  const removed = remove(ITEMS, item.id);
  if (removed !== null) return removed;

  const refusal = announce(taskId, "item_removed", "Removed " + quoted(item.text("text")) + " from " + quoted(checklist.value.text("name")), null,
    "checklist.item.removed", new JSON.Obj()
      .setString("task_id", taskId)
      .setString("checklist_id", checklist.value.id)
      .setString("item_id", item.id)
      .setString("text", item.text("text")));
  if (refusal !== null) return refusal;
  return Response.noContent();
}

function itemPayload(taskId: string, item: Doc, position: i32): JSON.Obj {
  return new JSON.Obj()
    .setString("task_id", taskId)
    .setString("checklist_id", item.text("checklist_id"))
    .setString("item_id", item.id)
    .setString("text", item.text("text"))
    .setBool("checked", item.doc.getBool("checked"))
    .setInt("position", position);
}

function itemLimitReached(): Response {
  return fail(422, "CHECKLIST_ITEM_LIMIT_REACHED", "a checklist holds at most " + MAX_ITEMS_PER_CHECKLIST.toString() + " items");
}

function positionOutOfRange(last: i32): Response {
  return fail(422, "VALIDATION_FAILED", "position must be from 0 to " + last.toString());
}
