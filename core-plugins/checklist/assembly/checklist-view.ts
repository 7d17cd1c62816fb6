import { JSON } from "@paca/plugin-sdk/as";
import { Doc } from "./checklist-store";

/*
 * What clients receive (snake_case, like the rest of the API). `position` is the 0-based index in
 * the current order; the stored rank behind it is not part of the API.
 */

/** `{id, checklist_id, text, checked, checked_by, position}`. */
export function itemView(item: Doc, position: i32): JSON.Obj {
  const checkedBy = item.doc.get("checked_by");
  return new JSON.Obj()
    .setString("id", item.id)
    .setString("checklist_id", item.text("checklist_id"))
    .setString("text", item.text("text"))
    .setBool("checked", item.doc.getBool("checked"))
    .set("checked_by", checkedBy !== null ? checkedBy : new JSON.Null())
    .setInt("position", position);
}

/** `{id, task_id, name, position, item_count, checked_count, items}` with `items` in order. */
export function checklistView(checklist: Doc, position: i32, items: Array<Doc>): JSON.Obj {
  const views = new JSON.Arr();
  let checked = 0;
  for (let i = 0; i < items.length; i++) {
    if (items[i].doc.getBool("checked")) checked++;
    views.push(itemView(items[i], i));
  }
  return new JSON.Obj()
    .setString("id", checklist.id)
    .setString("task_id", checklist.text("task_id"))
    .setString("name", checklist.text("name"))
    .setInt("position", position)
    .setInt("item_count", items.length)
    .setInt("checked_count", checked)
    .set("items", views);
}
