import type { DiffLine } from "../../domain/index.js";

/** Past this many line pairs the diff gives up on alignment and shows the whole block replaced. */
const MAX_CELLS = 4_000_000;

const PREFIX: Record<DiffLine["op"], string> = { equal: " ", delete: "-", insert: "+" };

/**
 * A line diff of two texts: each line of `before` and `after` once, as kept, deleted or inserted.
 * Longest common subsequence, so unchanged lines between edits stay aligned; huge blocks fall back to
 * "all deleted, all inserted".
 */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = before.length > 0 ? before.split("\n") : [];
  const b = after.length > 0 ? after.split("\n") : [];
  const line = (op: DiffLine["op"], text: string): DiffLine => ({ op, text });
  if (a.length * b.length > MAX_CELLS) {
    return [...a.map((text) => line("delete", text)), ...b.map((text) => line("insert", text))];
  }
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..], in one flat array.
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] =
        a[i] === b[j]
          ? lcs[(i + 1) * width + j + 1]! + 1
          : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      lines.push(line("equal", a[i]!));
      i++;
      j++;
    } else if (lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!) {
      lines.push(line("delete", a[i++]!));
    } else {
      lines.push(line("insert", b[j++]!));
    }
  }
  while (i < a.length) lines.push(line("delete", a[i++]!));
  while (j < b.length) lines.push(line("insert", b[j++]!));
  return lines;
}

/** A diff as text in unified style without hunk headers: `-`, `+` or a space before each line. */
export function formatDiff(lines: readonly DiffLine[]): string {
  return lines.map(({ op, text }) => `${PREFIX[op]}${text}`).join("\n");
}

/** {@link diffLines} formatted as text. */
export function lineDiff(before: string, after: string): string {
  return formatDiff(diffLines(before, after));
}
