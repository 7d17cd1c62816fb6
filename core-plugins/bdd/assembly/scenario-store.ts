import { collections, fail, JSON, Query, Response } from "@paca/plugin-sdk/as";
import { Found, found, refusedWith } from "@paca/plugin-sdk/as";
import { READ_ALL } from "./limits";
import { placeAt, respacedRank } from "@paca/plugin-sdk/as";
import { Scenario } from "./scenario";

/* The `scenarios` collection (declared in plugin.json, scoped by the host to the call's project). */
const SCENARIOS = "scenarios";

/** A task's scenarios, in order. */
export function scenariosOfTask(taskId: string): Found<Array<Scenario>> {
  const page = collections.query(new Query(SCENARIOS).eq("task_id", new JSON.Str(taskId)).orderBy("rank").limit(READ_ALL));
  if (!page.ok) return refusedWith<Array<Scenario>>(page.fail());
  const scenarios = new Array<Scenario>();
  const answer = page.value.asObj();
  const items = answer !== null ? answer.getArr("items") : null;
  if (items === null) return found<Array<Scenario>>(scenarios);
  for (let i = 0; i < items.length; i++) {
    const entry = items.at(i)!.asObj();
    if (entry === null) continue;
    const id = entry.getString("id");
    const doc = entry.getObj("doc");
    if (id !== null && doc !== null) scenarios.push(Scenario.fromDoc(id, doc));
  }
  return found<Array<Scenario>>(scenarios);
}

/** The scenario, if it belongs to the task; else 404 `BDD_SCENARIO_NOT_FOUND`. */
export function findScenario(taskId: string, scenarioId: string): Found<Scenario> {
  const read = collections.get(SCENARIOS, scenarioId);
  if (!read.ok) return refusedWith<Scenario>(read.fail());
  const doc = read.value.asObj();
  if (doc === null || doc.getString("task_id") != taskId) {
    return refusedWith<Scenario>(fail(404, "BDD_SCENARIO_NOT_FOUND", "scenario " + scenarioId + " not found"));
  }
  return found<Scenario>(Scenario.fromDoc(scenarioId, doc));
}

/** Stores the scenario: a new one gets its id from the host. Null when saved. */
export function saveScenario(scenario: Scenario): Response | null {
  const saved = collections.put(SCENARIOS, scenario.toDoc(), scenario.id.length > 0 ? scenario.id : null);
  if (!saved.ok) return saved.fail();
  const answer = saved.value.asObj();
  const id = answer !== null ? answer.getString("id") : null;
  if (id === null) return fail(500, "PLUGIN_HOST_CALL_FAILED", "collections.put answered without an id");
  scenario.id = id;
  return null;
}

export function removeScenario(id: string): Response | null {
  const removed = collections.remove(SCENARIOS, id);
  return removed.ok ? null : removed.fail();
}

/**
 * Sets the scenario's rank for position `index` among `siblings` (in order, without it). When
 * their ranks have no room left there, the siblings are respaced and saved; the scenario is left
 * to the caller.
 */
export function rankAmong(siblings: Array<Scenario>, index: i32, scenario: Scenario): Response | null {
  const ranks = new Array<f64>(siblings.length);
  for (let i = 0; i < siblings.length; i++) ranks[i] = siblings[i].rank;
  const placement = placeAt(ranks, index);
  scenario.rank = placement.rank;
  if (!placement.respace) return null;
  for (let i = 0; i < siblings.length; i++) {
    siblings[i].rank = respacedRank(i, index);
    const refusal = saveScenario(siblings[i]);
    if (refusal !== null) return refusal;
  }
  return null;
}

/** The rank after the last of `siblings` (in order). */
export function rankAfter(siblings: Array<Scenario>): f64 {
  return siblings.length == 0 ? 0 : siblings[siblings.length - 1].rank + 1;
}

/** The index of the scenario with `id`, or -1. */
export function indexOf(scenarios: Array<Scenario>, id: string): i32 {
  for (let i = 0; i < scenarios.length; i++) if (scenarios[i].id == id) return i;
  return -1;
}

/** `scenarios` without the one with `id`, in order. */
export function without(scenarios: Array<Scenario>, id: string): Array<Scenario> {
  const rest = new Array<Scenario>();
  for (let i = 0; i < scenarios.length; i++) if (scenarios[i].id != id) rest.push(scenarios[i]);
  return rest;
}
