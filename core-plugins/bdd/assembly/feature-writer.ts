import { Scenario } from "./scenario";

/**
 * A `.feature` document for a task's scenarios, in their order:
 *
 *   @PACA-12
 *   Feature: Sign in
 *
 *     Scenario: Sign in with a valid password
 *       Given a registered user
 *       When they sign in with their password
 *       Then they see their projects
 *
 * The task's key becomes the feature's tag, which is how test reports are traced back to the
 * task. Titles and steps are single lines (the rules refuse others), so every line is valid
 * Gherkin as it is.
 */
export function featureText(name: string, tag: string | null, scenarios: Array<Scenario>): string {
  const lines = new Array<string>();
  if (tag !== null) lines.push("@" + tag);
  lines.push("Feature: " + name);
  for (let i = 0; i < scenarios.length; i++) {
    const scenario = scenarios[i];
    lines.push("");
    lines.push("  Scenario: " + scenario.title);
    for (let j = 0; j < scenario.steps.length; j++) {
      const step = scenario.steps[j];
      lines.push("    " + step.keyword + " " + step.text);
    }
  }
  return lines.join("\n") + "\n";
}
