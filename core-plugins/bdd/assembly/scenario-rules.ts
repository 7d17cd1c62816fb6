import { MAX_STEP_LENGTH, MAX_STEPS, MAX_TITLE_LENGTH } from "./limits";
import { canonicalKeyword, Step } from "./step";
import { codePoints, isMultiline } from "./text";

/*
 * What makes a scenario well formed, whether it was sent as steps or as Gherkin text: a one-line
 * title, at least one Given, one When and one Then in that order (And and But continue the step
 * before them), and one-line, non-empty steps within the length limits. Every problem is named,
 * so a person or an agent can fix them all in one go.
 */

const GIVEN = 1;
const WHEN = 2;
const THEN = 3;

/** The problems of a scenario, in the order a reader meets them; empty when it is well formed. */
export function scenarioProblems(title: string, steps: Array<Step>): Array<string> {
  const problems = new Array<string>();
  if (title.length == 0) problems.push("the title is empty");
  else if (isMultiline(title)) problems.push("the title must be a single line");
  else if (codePoints(title) > MAX_TITLE_LENGTH) problems.push("the title is longer than " + MAX_TITLE_LENGTH.toString() + " characters");

  if (steps.length == 0) {
    problems.push("the scenario has no steps; it needs a Given, a When and a Then");
    return problems;
  }
  if (steps.length > MAX_STEPS) problems.push("a scenario has at most " + MAX_STEPS.toString() + " steps, not " + steps.length.toString());

  let stage = 0;
  let seen = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const label = "step " + (i + 1).toString();
    const keyword = canonicalKeyword(step.keyword);
    if (keyword === null) {
      problems.push(label + ": \"" + step.keyword + "\" is not a keyword (Given, When, Then, And, But)");
      continue;
    }
    const named = label + " (" + keyword + ")";
    if (step.text.length == 0) problems.push(named + " has no text");
    else if (isMultiline(step.text)) problems.push(named + " must be a single line");
    else if (codePoints(step.text) > MAX_STEP_LENGTH) problems.push(named + " is longer than " + MAX_STEP_LENGTH.toString() + " characters");

    if (keyword == "And" || keyword == "But") {
      if (stage == 0) problems.push(named + " continues a step before it; start with Given");
      continue;
    }
    const kind = keyword == "Given" ? GIVEN : keyword == "When" ? WHEN : THEN;
    if (kind < stage) problems.push(named + " comes after " + kindName(stage) + "; steps go Given, then When, then Then");
    else stage = kind;
    seen |= 1 << kind;
  }
  for (let kind = GIVEN; kind <= THEN; kind++) {
    if ((seen & (1 << kind)) == 0) problems.push("no " + kindName(kind) + " step");
  }
  return problems;
}

function kindName(kind: i32): string {
  return kind == GIVEN ? "Given" : kind == WHEN ? "When" : "Then";
}
