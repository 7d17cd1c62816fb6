import { fail, JSON, Request, Response } from "@paca/plugin-sdk/as";
import { announce, Changes, quoted } from "./announce";
import { MAX_SCENARIOS_PER_TASK } from "./limits";
import { Scenario } from "./scenario";
import { ScenarioInput } from "./scenario-input";
import { scenarioProblems } from "./scenario-rules";
import { findScenario, indexOf, rankAmong, removeScenario, saveScenario, scenariosOfTask, without } from "./scenario-store";
import { scenarioView } from "./scenario-view";
import { canonicalKeyword, Step, stepsJson } from "./step";
import { requireTask } from "./task";

/** Problems shown in one refusal: enough to fix a scenario in one go, short enough to read. */
const MAX_PROBLEMS_SHOWN = 10;

/** GET …/tasks/:taskId/scenarios: `{items: [scenario]}` in order. */
export function listScenarios(req: Request): Response {
  const taskId = req.param("taskId")!;
  const task = requireTask(taskId);
  if (task.refused) return task.refusal!;
  const scenarios = scenariosOfTask(taskId);
  if (scenarios.refused) return scenarios.refusal!;
  const views = new JSON.Arr();
  for (let i = 0; i < scenarios.value.length; i++) views.push(scenarioView(scenarios.value[i], i));
  return Response.json(200, new JSON.Obj().set("items", views));
}

/** GET …/scenarios/:scenarioId. */
export function getScenario(req: Request): Response {
  const taskId = req.param("taskId")!;
  const task = requireTask(taskId);
  if (task.refused) return task.refusal!;
  const scenario = findScenario(taskId, req.param("scenarioId")!);
  if (scenario.refused) return scenario.refusal!;
  const all = scenariosOfTask(taskId);
  if (all.refused) return all.refusal!;
  return Response.json(200, scenarioView(scenario.value, indexOf(all.value, scenario.value.id)));
}

/** POST …/scenarios `{title, steps}` or `{gherkin}`, optionally `position` (default: last). */
export function createScenario(req: Request): Response {
  const taskId = req.param("taskId")!;
  const input = ScenarioInput.read(req.body());
  if (input.shapeProblem !== null) return input.refuse();
  if (input.gherkinProblem === null && (input.title === null || input.steps === null)) {
    return fail(422, "VALIDATION_FAILED", "give title and steps, or gherkin");
  }
  const invalid = refuseInvalid(input, "", new Array<Step>());
  if (invalid !== null) return invalid;

  const task = requireTask(taskId);
  if (task.refused) return task.refusal!;
  const existing = scenariosOfTask(taskId);
  if (existing.refused) return existing.refusal!;
  const count = existing.value.length;
  if (count >= MAX_SCENARIOS_PER_TASK) {
    return fail(422, "BDD_SCENARIO_LIMIT_REACHED", "a task holds at most " + MAX_SCENARIOS_PER_TASK.toString() + " scenarios");
  }
  if (input.position > count) return positionOutOfRange(count);
  const at = input.position < 0 ? count : input.position;

  const scenario = new Scenario();
  scenario.taskId = taskId;
  scenario.title = input.title!;
  scenario.steps = canonical(input.steps!);
  const ranked = rankAmong(existing.value, at, scenario);
  if (ranked !== null) return ranked;
  const saved = saveScenario(scenario);
  if (saved !== null) return saved;

  const refusal = announce(taskId, "scenario_created", "Added scenario " + quoted(scenario.title), null, "bdd.scenario.created", new JSON.Obj()
    .setString("task_id", taskId)
    .setString("scenario_id", scenario.id)
    .setString("title", scenario.title)
    .setInt("step_count", scenario.steps.length));
  if (refusal !== null) return refusal;
  return Response.json(201, scenarioView(scenario, at));
}

/**
 * PATCH …/scenarios/:scenarioId: a new title, new steps (all of them), the whole scenario as
 * `gherkin`, and/or a new `position`. The result must still be a valid scenario.
 */
export function updateScenario(req: Request): Response {
  const taskId = req.param("taskId")!;
  const input = ScenarioInput.read(req.body());
  if (input.shapeProblem !== null) return input.refuse();
  if (!input.givesScenario && input.position < 0) return fail(422, "VALIDATION_FAILED", "give title, steps, gherkin or position to change");

  const task = requireTask(taskId);
  if (task.refused) return task.refusal!;
  const found = findScenario(taskId, req.param("scenarioId")!);
  if (found.refused) return found.refusal!;
  const scenario = found.value;
  if (input.givesScenario) {
    const invalid = refuseInvalid(input, scenario.title, scenario.steps);
    if (invalid !== null) return invalid;
  }
  const all = scenariosOfTask(taskId);
  if (all.refused) return all.refusal!;
  const from = indexOf(all.value, scenario.id);
  let at = from;

  const changes = new Changes();
  const title = input.title;
  if (title !== null && title != scenario.title) {
    changes.add("title", new JSON.Str(scenario.title), new JSON.Str(title));
    scenario.title = title;
  }
  if (input.steps !== null) {
    const steps = canonical(input.steps!);
    const before = stepsJson(scenario.steps);
    const after = stepsJson(steps);
    if (JSON.stringify(before) != JSON.stringify(after)) {
      changes.add("steps", before, after);
      scenario.steps = steps;
    }
  }
  if (input.position >= 0 && input.position != from) {
    const others = without(all.value, scenario.id);
    if (input.position > others.length) return positionOutOfRange(others.length);
    const ranked = rankAmong(others, input.position, scenario);
    if (ranked !== null) return ranked;
    changes.add("position", new JSON.Integer(from), new JSON.Integer(input.position));
    at = input.position;
  }
  if (changes.empty) return Response.json(200, scenarioView(scenario, at));

  const saved = saveScenario(scenario);
  if (saved !== null) return saved;
  const onlyMoved = changes.list.length == 1 && at != from;
  const sentence = onlyMoved
    ? "Moved scenario " + quoted(scenario.title) + " to place " + (at + 1).toString()
    : "Changed scenario " + quoted(scenario.title);
  const refusal = announce(taskId, onlyMoved ? "scenario_moved" : "scenario_updated", sentence, changes.list, "bdd.scenario.updated", new JSON.Obj()
    .setString("task_id", taskId)
    .setString("scenario_id", scenario.id)
    .setString("title", scenario.title)
    .setInt("step_count", scenario.steps.length)
    .set("changes", changes.list));
  if (refusal !== null) return refusal;
  return Response.json(200, scenarioView(scenario, at));
}

/** DELETE …/scenarios/:scenarioId. */
export function deleteScenario(req: Request): Response {
  const taskId = req.param("taskId")!;
  const task = requireTask(taskId);
  if (task.refused) return task.refusal!;
  const found = findScenario(taskId, req.param("scenarioId")!);
  if (found.refused) return found.refusal!;
  const scenario = found.value;
  const removed = removeScenario(scenario.id);
  if (removed !== null) return removed;
  const refusal = announce(taskId, "scenario_deleted", "Deleted scenario " + quoted(scenario.title), null, "bdd.scenario.deleted", new JSON.Obj()
    .setString("task_id", taskId)
    .setString("scenario_id", scenario.id)
    .setString("title", scenario.title));
  if (refusal !== null) return refusal;
  return Response.noContent();
}

/**
 * 422 `BDD_INVALID_SCENARIO` listing what is wrong with the scenario the input describes (for an
 * update, the parts it leaves out are the current ones); null when it is well formed.
 */
function refuseInvalid(input: ScenarioInput, currentTitle: string, currentSteps: Array<Step>): Response | null {
  let problems: Array<string>;
  const gherkinProblem = input.gherkinProblem;
  if (gherkinProblem !== null) {
    problems = [gherkinProblem];
  } else {
    const title = input.title;
    const steps = input.steps;
    problems = scenarioProblems(title !== null ? title : currentTitle, steps !== null ? steps : currentSteps);
  }
  if (problems.length == 0) return null;
  const shown = problems.length > MAX_PROBLEMS_SHOWN ? problems.slice(0, MAX_PROBLEMS_SHOWN) : problems;
  const more = problems.length - shown.length;
  return fail(422, "BDD_INVALID_SCENARIO", "invalid scenario: " + shown.join("; ") + (more > 0 ? "; and " + more.toString() + " more" : ""));
}

/** Steps with their keywords as Gherkin spells them (the rules have accepted every keyword). */
function canonical(steps: Array<Step>): Array<Step> {
  const result = new Array<Step>();
  for (let i = 0; i < steps.length; i++) result.push(new Step(canonicalKeyword(steps[i].keyword)!, steps[i].text));
  return result;
}

function positionOutOfRange(last: i32): Response {
  return fail(422, "VALIDATION_FAILED", "position must be from 0 to " + last.toString());
}
