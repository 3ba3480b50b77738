import { Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";
import TurndownService from "turndown";
import type { Result } from "../../../domain/index.js";
import { parseFile } from "../../files/parsers.js";
import type { FetchedResponse } from "./guarded-fetch.js";

/** What a fetched page is, judged by its content type and, failing that, its first bytes. */
export type PageKind = "html" | "pdf" | "text" | "unsupported";

export function pageKind(contentType: string, body: Buffer): PageKind {
  const mime = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (mime === "application/pdf" || body.subarray(0, 5).toString("latin1") === "%PDF-") return "pdf";
  if (mime === "text/html" || mime === "application/xhtml+xml") return "html";
  if (
    mime.startsWith("text/") ||
    mime === "application/json" ||
    mime.endsWith("+json") ||
    mime === "application/xml" ||
    mime.endsWith("+xml") ||
    mime === "application/javascript"
  ) {
    return "text";
  }
  if (mime === "" || mime === "application/octet-stream") {
    const head = body.subarray(0, 1024).toString("latin1").trimStart().toLowerCase();
    if (head.startsWith("<!doctype html") || head.startsWith("<html")) return "html";
    if (!head.includes("\u0000")) return "text";
  }
  return "unsupported";
}

/** The page's text: readable markdown for HTML, the text of a PDF, plain text as is. */
export async function readablePage(page: FetchedResponse): Promise<Result<string>> {
  const kind = pageKind(page.contentType, page.body);
  switch (kind) {
    case "pdf": {
      const parsed = await parseFile(page.body, "pdf");
      if (!parsed.ok) return parsed;
      return { ok: true, value: parsed.value.trim() || "(the PDF has no extractable text)" };
    }
    case "html":
      return { ok: true, value: htmlToReadableMarkdown(decodeText(page.body, page.contentType), page.url) };
    case "text":
      return { ok: true, value: decodeText(page.body, page.contentType) };
    default:
      return {
        ok: false,
        error: `the page at ${page.url} is ${page.contentType || "binary content"}, which cannot be read as text`,
      };
  }
}

/** Decodes with the charset the server declared (or the page's own `<meta charset>`), else UTF-8. */
export function decodeText(body: Buffer, contentType: string): string {
  const declared =
    /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType)?.[1] ??
    /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(body.subarray(0, 2048).toString("latin1"))?.[1];
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(declared ?? "utf-8");
  } catch {
    decoder = new TextDecoder("utf-8");
  }
  const text = decoder.decode(body);
  return text.startsWith("\uFEFF") ? text.slice(1) : text;
}

/**
 * The main content of an HTML page as markdown: Mozilla Readability picks the article (dropping
 * navigation, ads and footers), Turndown writes it as markdown. A page Readability finds no article in
 * is converted whole, without its scripts and styles.
 */
export function htmlToReadableMarkdown(html: string, url: string): string {
  const { document } = parseHTML(html);
  const title = document.querySelector("title")?.textContent?.trim() ?? "";
  let article: ReturnType<Readability<string>["parse"]> = null;
  try {
    // Readability changes the document it reads; it gets its own copy.
    article = new Readability(parseHTML(html).document as never, { charThreshold: 200 }).parse();
  } catch {
    article = null;
  }
  const turndown = new TurndownService({
    headingStyle: "atx",
    codeBlockStyle: "fenced",
    bulletListMarker: "-",
    emDelimiter: "*",
  });
  turndown.remove(["script", "style", "noscript", "template", "iframe", "canvas", "svg"] as never);
  const content = article?.content
    ? turndown.turndown(article.content)
    : turndown.turndown(document.body?.innerHTML ?? html);
  const heading = article?.title?.trim() || title;
  const markdown = collapseBlankLines(content);
  const parts = [heading ? `# ${heading}` : "", `Source: ${url}`, markdown].filter(Boolean);
  return parts.join("\n\n");
}

function collapseBlankLines(text: string): string {
  return text
    .replace(/^(\s*)([-*]|\d+\.) {2,}/gm, "$1$2 ")
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
