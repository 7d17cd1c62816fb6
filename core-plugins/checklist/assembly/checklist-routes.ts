import { fail, JSON, Request, Response } from "@paca/plugin-sdk/as";
import { announce, Changes, counted, quoted } from "./announce";
import { BodyReader } from "./body-reader";
import {
  checklistsOfTask, CHECKLISTS, Doc, findChecklist, indexOf, insert, ITEMS, itemsOfChecklist, newItem, rankAfter, rankAmong,
  removeChecklist, save, without,
} from "./checklist-store";
import { checklistView } from "./checklist-view";
import { MAX_CHECKLISTS_PER_TASK, MAX_ITEMS_PER_CHECKLIST, MAX_NAME_LENGTH, MAX_TEXT_LENGTH } from "./limits";
import { checkTask } from "./task";

/** One of the first items sent with a new checklist. */
class ItemDraft {
  constructor(public text: string, public checked: bool) {}
}

/** GET …/tasks/:taskId/checklists: `{items: [checklist]}`, each with its items, all in order. */
export function listChecklists(req: Request): Response {
  const taskId = req.param("taskId")!;
  const missing = checkTask(taskId);
  if (missing !== null) return missing;
  const checklists = checklistsOfTask(taskId);
  if (checklists.refused) return checklists.refusal!;
  const views = new JSON.Arr();
  for (let i = 0; i < checklists.value.length; i++) {
    const checklist = checklists.value[i];
    const items = itemsOfChecklist(checklist.id);
    if (items.refused) return items.refusal!;
    views.push(checklistView(checklist, i, items.value));
  }
  return Response.json(200, new JSON.Obj().set("items", views));
}

/** POST …/checklists `{name, items?: [{text, checked?}]}`: the new checklist, last among the task's. */
export function createChecklist(req: Request): Response {
  const taskId = req.param("taskId")!;
  const input = new BodyReader(req.body(), "");
  const name = input.text("name", MAX_NAME_LENGTH, true);
  const entries = input.list("items");
  const drafts = new Array<ItemDraft>();
  if (entries !== null) {
    if (entries.length > MAX_ITEMS_PER_CHECKLIST) input.note("items", "must hold at most " + MAX_ITEMS_PER_CHECKLIST.toString() + " items");
    for (let i = 0; i < entries.length && input.problem === null; i++) {
      const value = entries.at(i)!;
      if (!value.isObj) {
        input.note("items[" + i.toString() + "]", "must be an object");
        break;
      }
      const entry = new BodyReader(value.asObj(), "items[" + i.toString() + "].");
      const text = entry.text("text", MAX_TEXT_LENGTH, true);
      const checked = entry.flag("checked", false);
      input.adopt(entry);
      if (text !== null) drafts.push(new ItemDraft(text, checked));
    }
  }
  if (input.problem !== null) return input.refuse();

  const missing = checkTask(taskId);
  if (missing !== null) return missing;
  const existing = checklistsOfTask(taskId);
  if (existing.refused) return existing.refusal!;
  if (existing.value.length >= MAX_CHECKLISTS_PER_TASK) {
    return fail(422, "CHECKLIST_LIMIT_REACHED", "a task holds at most " + MAX_CHECKLISTS_PER_TASK.toString() + " checklists");
  }
  const created = insert(CHECKLISTS, new JSON.Obj()
    .setString("task_id", taskId)
    .setString("name", name!)
    .setFloat("rank", rankAfter(existing.value)));
  if (created.refused) return created.refusal!;
  const checklist = created.value;
  const items = new Array<Doc>();
  for (let i = 0; i < drafts.length; i++) {
    const item = insert(ITEMS, newItem(taskId, checklist.id, drafts[i].text, drafts[i].checked, req.caller).setFloat("rank", <f64>i));
    if (item.refused) return item.refusal!;
    items.push(item.value);
  }

  const sentence = "Added checklist " + quoted(name!) + (items.length > 0 ? " with " + counted(items.length, "item") : "");
  const refusal = announce(taskId, "created", sentence, null, "checklist.created", new JSON.Obj()
    .setString("task_id", taskId)
    .setString("checklist_id", checklist.id)
    .setString("name", name!)
    .setInt("item_count", items.length));
  if (refusal !== null) return refusal;
  return Response.json(201, checklistView(checklist, existing.value.length, items));
}

/** PATCH …/checklists/:checklistId `{name?, position?}`: the checklist as it now is. */
export function updateChecklist(req: Request): Response {
  const taskId = req.param("taskId")!;
  const input = new BodyReader(req.body(), "");
  const name = input.text("name", MAX_NAME_LENGTH, false);
  const position = input.position("position", MAX_CHECKLISTS_PER_TASK - 1);
  if (input.problem !== null) return input.refuse();
  if (name === null && position < 0) return fail(422, "VALIDATION_FAILED", "give name or position to change");

  const missing = checkTask(taskId);
  if (missing !== null) return missing;
  const found = findChecklist(taskId, req.param("checklistId")!);
  if (found.refused) return found.refusal!;
  const checklist = found.value;
  const all = checklistsOfTask(taskId);
  if (all.refused) return all.refusal!;
  const from = indexOf(all.value, checklist.id);
  const oldName = checklist.text("name");
  const changes = new Changes();
  let at = from;

  if (name !== null && name != oldName) {
    checklist.doc.setString("name", name);
    changes.add("name", new JSON.Str(oldName), new JSON.Str(name));
  }
  if (position >= 0 && position != from) {
    const others = without(all.value, checklist.id);
    if (position > others.length) return fail(422, "VALIDATION_FAILED", "position must be from 0 to " + others.length.toString());
    const refusal = rankAmong(CHECKLISTS, others, position, checklist.doc);
    if (refusal !== null) return refusal;
    changes.add("position", new JSON.Integer(from), new JSON.Integer(position));
    at = position;
  }
  const items = itemsOfChecklist(checklist.id);
  if (items.refused) return items.refusal!;
  if (changes.empty) return Response.json(200, checklistView(checklist, at, items.value));

  const saved = save(CHECKLISTS, checklist);
  if (saved !== null) return saved;
  const newName = checklist.text("name");
  const renamed = newName != oldName;
  const moved = at != from;
  const action = renamed && moved ? "updated" : renamed ? "renamed" : "moved";
  let sentence = renamed ? "Renamed checklist " + quoted(oldName) + " to " + quoted(newName) : "Moved checklist " + quoted(newName);
  if (moved) sentence += (renamed ? " and moved it" : "") + " to place " + (at + 1).toString();
  const refusal = announce(taskId, action, sentence, changes.list, "checklist.updated", new JSON.Obj()
    .setString("task_id", taskId)
    .setString("checklist_id", checklist.id)
    .setString("name", newName)
    .set("changes", changes.list));
  if (refusal !== null) return refusal;
  return Response.json(200, checklistView(checklist, at, items.value));
}

/** DELETE …/checklists/:checklistId: the checklist and its items. */
export function deleteChecklist(req: Request): Response {
  const taskId = req.param("taskId")!;
  const missing = checkTask(taskId);
  if (missing !== null) return missing;
  const found = findChecklist(taskId, req.param("checklistId")!);
  if (found.refused) return found.refusal!;
  const checklist = found.value;
  const removed = removeChecklist(checklist);
  if (removed.refused) return removed.refusal!;
  const count = removed.value.length;
  const name = checklist.text("name");
  const sentence = "Deleted checklist " + quoted(name) + (count > 0 ? " and its " + counted(count, "item") : "");
  const refusal = announce(taskId, "deleted", sentence, null, "checklist.deleted", new JSON.Obj()
    .setString("task_id", taskId)
    .setString("checklist_id", checklist.id)
    .setString("name", name));
  if (refusal !== null) return refusal;
  return Response.noContent();
}
