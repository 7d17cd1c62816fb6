import { JSON } from "@paca/plugin-sdk/as";
import { Scenario } from "./scenario";
import { stepsJson } from "./step";

/**
 * A scenario as clients receive it: `{id, task_id, title, position, steps: [{keyword, text}]}`,
 * `position` being its 0-based index among the task's scenarios.
 */
export function scenarioView(scenario: Scenario, position: i32): JSON.Obj {
  return new JSON.Obj()
    .setString("id", scenario.id)
    .setString("task_id", scenario.taskId)
    .setString("title", scenario.title)
    .setInt("position", position)
    .set("steps", stepsJson(scenario.steps));
}
