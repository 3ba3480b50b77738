/**
 * A tool's result as the model reads it: plain text. Letta lets a result be a list of content parts
 * (letta-code sends client tools' results so, and newer Agent Files store them so): their texts are
 * joined by newlines and images are named by a placeholder, rather than the list being sent as JSON.
 */
export function toolReturnText(value: unknown): string {
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) return value === null || value === undefined ? "" : JSON.stringify(value);
  const texts: string[] = [];
  let images = 0;
  for (const part of value) {
    if (typeof part === "string") texts.push(part);
    else if (isPart(part, "text") && typeof part.text === "string") {
      if (part.text) texts.push(part.text);
    } else if (isPart(part, "image")) images++;
  }
  const text = texts.join("\n");
  if (images === 0) return text;
  const placeholder = images === 1 ? "[Image omitted]" : `[${images} images omitted]`;
  return text ? `${text} ${placeholder}` : placeholder;
}

function isPart(value: unknown, type: string): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && (value as { type?: unknown }).type === type;
}
