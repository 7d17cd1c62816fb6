import { JSON, Request, Response } from "@paca/plugin-sdk/as";
import { featureText } from "./feature-writer";
import { scenariosOfTask } from "./scenario-store";
import { requireTask } from "./task";

/**
 * GET …/tasks/:taskId/feature: the task's scenarios as one `.feature` document,
 * `{feature_name, file_name, scenario_count, content}`. The feature is named after the task and
 * tagged with its key (`@PACA-12`); a task without scenarios gives a feature without any.
 */
export function exportFeature(req: Request): Response {
  const taskId = req.param("taskId")!;
  const task = requireTask(taskId);
  if (task.refused) return task.refusal!;
  const scenarios = scenariosOfTask(taskId);
  if (scenarios.refused) return scenarios.refusal!;

  const key = taskKey(task.value);
  const title = task.value.getString("title");
  let name = title !== null ? title.replaceAll("\r", " ").replaceAll("\n", " ").trim() : "";
  let fileName = "scenarios.feature";
  if (key !== null) {
    if (name.length == 0) name = key;
    fileName = key + ".feature";
  }
  if (name.length == 0) name = "Scenarios";
  return Response.json(200, new JSON.Obj()
    .setString("feature_name", name)
    .setString("file_name", fileName)
    .setInt("scenario_count", scenarios.value.length)
    .setString("content", featureText(name, key, scenarios.value)));
}

/** The task's key (`PACA-12`) when it can serve as a Gherkin tag and a file name, else null. */
function taskKey(task: JSON.Obj): string | null {
  const key = task.getString("key");
  if (key === null || key.length == 0) return null;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const allowed = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d || c == 0x5f;
    if (!allowed) return null;
  }
  return key;
}
