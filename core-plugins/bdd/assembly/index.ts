import { routes, subscriptions } from "@paca/plugin-sdk/as";
import { exportFeature } from "./feature-route";
import { createScenario, deleteScenario, getScenario, listScenarios, updateScenario } from "./scenario-routes";
import { removeTaskData } from "./task-cleanup";

// The ABI entry points the kernel calls; they dispatch to the handlers bound below.
export { init, handle_request, handle_event, shutdown } from "@paca/plugin-sdk/as";

// Route and subscription names as plugin.json declares them.
routes.on("scenarios.list", listScenarios);
routes.on("scenarios.get", getScenario);
routes.on("scenarios.create", createScenario);
routes.on("scenarios.update", updateScenario);
routes.on("scenarios.delete", deleteScenario);
routes.on("feature.export", exportFeature);
subscriptions.on("task-cleanup", removeTaskData);
