import { fail, JSON, Response } from "@paca/plugin-sdk/as";
import { parseScenario } from "./gherkin-parser";
import { MAX_GHERKIN_LENGTH } from "./limits";
import { Step } from "./step";
import { codePoints } from "./text";

/**
 * A create or update body, read: a scenario given as `{title, steps}` or as `{gherkin}`, and an
 * update's `position`. A body of the wrong shape (types, both forms at once) is a 422
 * `VALIDATION_FAILED` naming the field; what the Gherkin text says is checked as a scenario later,
 * like steps sent as JSON.
 */
export class ScenarioInput {
  /** Null when absent (an update keeps the current one). */
  title: string | null = null;
  /** Null when absent (an update keeps the current ones). */
  steps: Array<Step> | null = null;
  /** -1 when absent. */
  position: i32 = -1;
  /** Why the Gherkin text could not be read (`line 3: …`); a scenario problem, not a shape one. */
  gherkinProblem: string | null = null;
  /** The first problem with the body's shape. */
  shapeProblem: string | null = null;

  get givesScenario(): bool {
    return this.title !== null || this.steps !== null || this.gherkinProblem !== null;
  }

  /** The 422 for a body of the wrong shape. */
  refuse(): Response {
    return fail(422, "VALIDATION_FAILED", this.shapeProblem!);
  }

  private note(problem: string): void {
    if (this.shapeProblem === null) this.shapeProblem = problem;
  }

  static read(body: JSON.Obj | null): ScenarioInput {
    const input = new ScenarioInput();
    if (body === null) {
      input.note("the body must be a JSON object");
      return input;
    }
    const gherkin = present(body, "gherkin");
    const title = present(body, "title");
    const steps = present(body, "steps");
    if (gherkin !== null) {
      if (title !== null || steps !== null) input.note("send either gherkin or title and steps, not both");
      else input.readGherkin(gherkin);
    } else {
      if (title !== null) input.readTitle(title);
      if (steps !== null) input.readSteps(steps);
    }
    const position = present(body, "position");
    if (position !== null) {
      const n = position.asInt(-1);
      if (!position.isNumber || n < 0 || n > <i64>i32.MAX_VALUE) input.note("position must be a whole number from 0");
      else input.position = <i32>n;
    }
    return input;
  }

  private readGherkin(value: JSON.Value): void {
    const text = value.asString();
    if (text === null) {
      this.note("gherkin must be a string");
      return;
    }
    if (codePoints(text) > MAX_GHERKIN_LENGTH) {
      this.gherkinProblem = "the Gherkin text is longer than " + MAX_GHERKIN_LENGTH.toString() + " characters";
      return;
    }
    const parsed = parseScenario(text);
    if (parsed.problem !== null) {
      this.gherkinProblem = parsed.problem;
      return;
    }
    this.title = parsed.title;
    this.steps = parsed.steps;
  }

  private readTitle(value: JSON.Value): void {
    const title = value.asString();
    if (title === null) this.note("title must be a string");
    else this.title = title.trim();
  }

  private readSteps(value: JSON.Value): void {
    const list = value.asArr();
    if (list === null) {
      this.note("steps must be an array");
      return;
    }
    const steps = new Array<Step>();
    for (let i = 0; i < list.length; i++) {
      const step = Step.fromJson(list.at(i)!);
      if (step === null) {
        this.note("steps[" + i.toString() + "] must be an object with a keyword and a text");
        return;
      }
      steps.push(new Step(step.keyword.trim(), step.text.trim()));
    }
    this.steps = steps;
  }
}

/** The field's value, or null when it is absent or JSON null. */
function present(body: JSON.Obj, field: string): JSON.Value | null {
  const value = body.get(field);
  return value === null || value.isNull ? null : value;
}
