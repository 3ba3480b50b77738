/** Characters per token for the estimate: English prose runs 3.5-4 on current tokenizers. */
const CHARS_PER_TOKEN = 3.5;

/**
 * Estimates tokens without a tokenizer: ceil(chars / 3.5), except that CJK and other characters from
 * U+2E80 on count one token each (tokenizers spend about one token per such character). It leans high,
 * which is the safe side when budgeting a context window.
 */
export function estimateTokens(text: string): number {
  let wide = 0;
  let narrow = 0;
  for (const char of text) {
    if (char.codePointAt(0)! >= 0x2e80) wide++;
    else narrow++;
  }
  return Math.ceil(narrow / CHARS_PER_TOKEN) + wide;
}
