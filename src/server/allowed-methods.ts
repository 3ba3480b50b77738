import type { AnyRoute } from "./route.js";

interface PathMethods {
  pattern: RegExp;
  /** Literal segments: a fixed path (`/v1/agents/count`) wins over a parameterised one that also matches. */
  literals: number;
  methods: Set<string>;
}

/**
 * Which methods the document lists for a request path, so that another method on a known path is a
 * 405 with an `Allow` header (as HTTP and the OpenAPI document say) rather than a 404.
 */
export function allowedMethodsOf(routes: readonly AnyRoute[]): (path: string) => string[] | undefined {
  const byTemplate = new Map<string, PathMethods>();
  for (const route of routes) {
    const template = route.path.replace(/(.)\/$/, "$1");
    let entry = byTemplate.get(template);
    if (entry === undefined) {
      const segments = template.split("/").slice(1);
      const source = segments
        .map((segment) => (/^\{\w+\}$/.test(segment) ? "/[^/]+" : `/${escapeRegExp(segment)}`))
        .join("");
      entry = {
        pattern: new RegExp(`^${source}/?$`),
        literals: segments.filter((segment) => !segment.startsWith("{")).length,
        methods: new Set(),
      };
      byTemplate.set(template, entry);
    }
    entry.methods.add(route.method.toUpperCase());
  }
  const entries = [...byTemplate.values()].sort((a, b) => b.literals - a.literals);
  return (path) => {
    const match = entries.find((entry) => entry.pattern.test(path));
    return match === undefined ? undefined : [...match.methods];
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
