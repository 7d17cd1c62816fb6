import { JSON } from "@paca/plugin-sdk/as";
import { Step, stepsJson } from "./step";

/**
 * A scenario as stored in the `scenarios` collection: `{task_id, title, steps: [{keyword, text}],
 * rank}`. Its steps live inside it: a scenario is read, written and validated as a whole.
 */
export class Scenario {
  /** Empty until the host has assigned one. */
  id: string = "";
  taskId: string = "";
  title: string = "";
  steps: Array<Step> = new Array<Step>();
  /** Order among the task's scenarios (see ranks.ts). */
  rank: f64 = 0;

  static fromDoc(id: string, doc: JSON.Obj): Scenario {
    const scenario = new Scenario();
    scenario.id = id;
    const taskId = doc.getString("task_id");
    if (taskId !== null) scenario.taskId = taskId;
    const title = doc.getString("title");
    if (title !== null) scenario.title = title;
    const steps = doc.getArr("steps");
    if (steps !== null) {
      for (let i = 0; i < steps.length; i++) {
        const step = Step.fromJson(steps.at(i)!);
        if (step !== null) scenario.steps.push(step);
      }
    }
    scenario.rank = doc.getFloat("rank", 0);
    return scenario;
  }

  toDoc(): JSON.Obj {
    return new JSON.Obj()
      .setString("task_id", this.taskId)
      .setString("title", this.title)
      .set("steps", stepsJson(this.steps))
      .setFloat("rank", this.rank);
  }
}
