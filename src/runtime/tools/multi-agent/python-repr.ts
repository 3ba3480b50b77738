/**
 * How Python's `str()` prints strings, lists and dicts. Letta's messages and tool results are Python
 * reprs (`Tools not found by name: {'x'}`, `{'agent_id': '…', 'response': ['…']}`), and clients and
 * models that parse them expect that spelling.
 */
export function pythonRepr(value: unknown): string {
  if (typeof value === "string") return pythonString(value);
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([key, item]) => `${pythonString(key)}: ${pythonRepr(item)}`).join(", ")}}`;
  }
  return pythonString(String(value));
}

/** A Python set of strings: `{'a', 'b'}` (in the order given; Python's own order is arbitrary). */
export function pythonSet(values: readonly string[]): string {
  return `{${values.map(pythonString).join(", ")}}`;
}

function pythonString(value: string): string {
  const escaped = value
    .replaceAll("\\", "\\\\")
    .replaceAll("\n", "\\n")
    .replaceAll("\r", "\\r")
    .replaceAll("\t", "\\t");
  // Python picks double quotes for a string with a single quote and no double quote.
  if (value.includes("'") && !value.includes('"')) return `"${escaped}"`;
  return `'${escaped.replaceAll("'", "\\'")}'`;
}
