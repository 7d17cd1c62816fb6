import { canonicalKeyword, Step } from "./step";

/** A scenario read from Gherkin text, or the first line that could not be read. */
export class ParsedScenario {
  title: string = "";
  steps: Array<Step> = new Array<Step>();
  /** `line 3: …`; null when the text was read. */
  problem: string | null = null;
}

/**
 * Reads one scenario written in Gherkin:
 *
 *   Scenario: Sign in with a valid password
 *     Given a registered user
 *     When they sign in with their password
 *     Then they see their projects
 *
 * Blank lines and `#` comments are skipped, `Example:` is Gherkin's synonym of `Scenario:`, and
 * keywords are read in any case. What this plugin does not store — a `Feature:` header (the
 * task is the feature), tags, backgrounds, outlines with examples, data tables, doc strings, a
 * second scenario — is refused with the line it is on rather than silently dropped. Whether the
 * steps make a valid scenario is for `scenarioProblems` to say.
 */
export function parseScenario(text: string): ParsedScenario {
  const parsed = new ParsedScenario();
  const lines = text.split("\n");
  let titled = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.length == 0 || line.startsWith("#")) continue;
    const at = "line " + (i + 1).toString() + ": ";

    const heading = headingOf(line);
    if (heading == "Scenario" || heading == "Example") {
      if (titled) return refuse(parsed, at + "a second scenario; send one scenario per request");
      parsed.title = line.substring(line.indexOf(":") + 1).trim();
      titled = true;
      continue;
    }
    const unsupported = unsupportedConstruct(line, heading);
    if (unsupported !== null) return refuse(parsed, at + unsupported);
    if (!titled) return refuse(parsed, at + "expected \"Scenario:\" and a title before the steps");

    const space = firstSpace(line);
    const keyword = canonicalKeyword(space < 0 ? line : line.substring(0, space));
    if (keyword === null) return refuse(parsed, at + "expected a step starting with Given, When, Then, And or But");
    parsed.steps.push(new Step(keyword, space < 0 ? "" : line.substring(space + 1).trim()));
  }
  if (!titled) return refuse(parsed, "expected \"Scenario:\" and a title, then the steps");
  return parsed;
}

function refuse(parsed: ParsedScenario, problem: string): ParsedScenario {
  parsed.problem = problem;
  return parsed;
}

/** The Gherkin heading a line starts with (`Scenario Outline`, `Feature`…), or "" when it has none. */
function headingOf(line: string): string {
  const colon = line.indexOf(":");
  if (colon < 0) return "";
  const head = line.substring(0, colon).trim();
  const headings = ["Feature", "Rule", "Background", "Scenario", "Example", "Scenario Outline", "Scenario Template", "Examples", "Scenarios"];
  for (let i = 0; i < headings.length; i++) if (head == headings[i]) return head;
  return "";
}

/** Why a line holds Gherkin this plugin does not store, or null. */
function unsupportedConstruct(line: string, heading: string): string | null {
  if (heading == "Feature" || heading == "Rule") return heading + ": is not needed; the task is the feature, send the Scenario only";
  if (heading == "Background") return "Background: is not supported; put its steps in the scenario as Given steps";
  if (heading == "Scenario Outline" || heading == "Scenario Template" || heading == "Examples" || heading == "Scenarios") {
    return "scenario outlines with examples are not supported; write one scenario per example";
  }
  if (line.startsWith("@")) return "tags are not supported";
  if (line.startsWith("|")) return "data tables are not supported; put the values in the step text";
  if (line.startsWith("\"\"\"") || line.startsWith("```")) return "doc strings are not supported; put the text in the step";
  if (line.startsWith("* ") || line == "*") return "use Given, When, Then, And or But instead of *";
  return null;
}

function firstSpace(line: string): i32 {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c == 0x20 || c == 0x09) return i;
  }
  return -1;
}
