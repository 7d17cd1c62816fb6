/** Characters as a person counts them: a surrogate pair is one. */
export function codePoints(text: string): i32 {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** Whether the text holds a line break (a Gherkin title or step is one line). */
export function isMultiline(text: string): bool {
  return text.includes("\n") || text.includes("\r");
}
