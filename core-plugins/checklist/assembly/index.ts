import { routes, subscriptions } from "@paca/plugin-sdk/as";
import { createChecklist, deleteChecklist, listChecklists, updateChecklist } from "./checklist-routes";
import { addItem, deleteItem, moveItem, updateItem } from "./item-routes";
import { removeTaskData } from "./task-cleanup";

// The ABI entry points the kernel calls; they dispatch to the handlers bound below.
export { init, handle_request, handle_event, shutdown } from "@paca/plugin-sdk/as";

// Route and subscription names as plugin.json declares them.
routes.on("checklists.list", listChecklists);
routes.on("checklists.create", createChecklist);
routes.on("checklists.update", updateChecklist);
routes.on("checklists.delete", deleteChecklist);
routes.on("items.add", addItem);
routes.on("items.update", updateItem);
routes.on("items.move", moveItem);
routes.on("items.delete", deleteItem);
subscriptions.on("task-cleanup", removeTaskData);
