/** One line of a line diff: kept, added or removed. */
export interface DiffLine {
  kind: " " | "+" | "-";
  text: string;
}

/** A line diff of two texts (longest common subsequence; blocks are small, at most a few thousand lines). */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = before === "" ? [] : before.split("\n");
  const b = after === "" ? [] : after.split("\n");
  const rows = a.length + 1;
  const cols = b.length + 1;
  const table = new Uint32Array(rows * cols);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i * cols + j] =
        a[i] === b[j]
          ? (table[(i + 1) * cols + j + 1] as number) + 1
          : Math.max(table[(i + 1) * cols + j] as number, table[i * cols + j + 1] as number);
    }
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      lines.push({ kind: " ", text: a[i] as string });
      i++;
      j++;
    } else if ((table[(i + 1) * cols + j] as number) >= (table[i * cols + j + 1] as number)) {
      lines.push({ kind: "-", text: a[i++] as string });
    } else {
      lines.push({ kind: "+", text: b[j++] as string });
    }
  }
  while (i < a.length) lines.push({ kind: "-", text: a[i++] as string });
  while (j < b.length) lines.push({ kind: "+", text: b[j++] as string });
  return lines;
}

/** Parses a server-made diff (`-`/`+`/` ` prefixed lines). */
export function parseDiff(text: string): DiffLine[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const kind = line[0] === "+" || line[0] === "-" ? line[0] : " ";
      return { kind, text: line.slice(1) };
    });
}

export function DiffView({ lines, label }: { lines: DiffLine[]; label?: string }) {
  if (lines.length === 0) return <p className="muted">No change.</p>;
  return (
    <pre className="diff" title={label ?? "Diff"}>
      {lines.map((line, index) => (
        <span
          // Lines of a diff have no identity beyond their position.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          key={index}
          className={line.kind === "+" ? "added" : line.kind === "-" ? "removed" : "kept"}
        >
          {line.kind}
          {line.text}
          {"\n"}
        </span>
      ))}
    </pre>
  );
}
