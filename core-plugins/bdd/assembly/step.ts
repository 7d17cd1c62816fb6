import { JSON } from "@paca/plugin-sdk/as";

/** One line of a scenario: a Gherkin keyword and its text. */
export class Step {
  constructor(public keyword: string, public text: string) {}

  toJson(): JSON.Obj {
    return new JSON.Obj().setString("keyword", this.keyword).setString("text", this.text);
  }

  /** A stored or submitted `{keyword, text}`; null when it is not an object of two strings. */
  static fromJson(value: JSON.Value): Step | null {
    const obj = value.asObj();
    if (obj === null) return null;
    const keyword = obj.getString("keyword");
    const text = obj.getString("text");
    if (keyword === null || text === null) return null;
    return new Step(keyword, text);
  }
}

/**
 * The keyword as Gherkin spells it (`given` → `Given`), or null when it is none of Given, When,
 * Then, And, But. People and agents type keywords in any case; exports always use Gherkin's.
 */
export function canonicalKeyword(word: string): string | null {
  const lower = word.toLowerCase();
  if (lower == "given") return "Given";
  if (lower == "when") return "When";
  if (lower == "then") return "Then";
  if (lower == "and") return "And";
  if (lower == "but") return "But";
  return null;
}

export function stepsJson(steps: Array<Step>): JSON.Arr {
  const list = new JSON.Arr();
  for (let i = 0; i < steps.length; i++) list.push(steps[i].toJson());
  return list;
}
