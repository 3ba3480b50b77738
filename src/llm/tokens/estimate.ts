/** Characters per token for the estimate: English prose runs 3.5-4 on current tokenizers. */
const CHARS_PER_TOKEN = 3.5;

/**
 * Estimates tokens without a tokenizer: ceil(chars / 3.5), except that CJK and other characters from
 * U+2E80 on count one token each (tokenizers spend about one token per such character). It leans high,
 * which is the safe side when budgeting a context window.
 */
export function estimateTokens(text: string): number {
  // A loop over UTF-16 units (not `for...of`, which builds a string per character: 10 MB took 100s of ms).
  let wide = 0;
  let narrow = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x2e80) {
      narrow++;
      continue;
    }
    wide++;
    // A surrogate pair is one character.
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index++;
    }
  }
  return Math.ceil(narrow / CHARS_PER_TOKEN) + wide;
}
