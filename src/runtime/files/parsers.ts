import { type HTMLElement, type Node, NodeType, parse as parseHtml } from "node-html-parser";
import { type Result, ReverieError } from "../../domain/index.js";

/** How a file's bytes become text. */
export type FileKind = "pdf" | "html" | "markdown" | "text" | "code";

const EXTENSIONS: Record<string, { kind: FileKind; mime: string }> = {
  pdf: { kind: "pdf", mime: "application/pdf" },
  html: { kind: "html", mime: "text/html" },
  htm: { kind: "html", mime: "text/html" },
  xhtml: { kind: "html", mime: "application/xhtml+xml" },
  md: { kind: "markdown", mime: "text/markdown" },
  markdown: { kind: "markdown", mime: "text/markdown" },
  mdx: { kind: "markdown", mime: "text/markdown" },
  txt: { kind: "text", mime: "text/plain" },
  text: { kind: "text", mime: "text/plain" },
  log: { kind: "text", mime: "text/plain" },
  rst: { kind: "text", mime: "text/x-rst" },
  csv: { kind: "text", mime: "text/csv" },
  tsv: { kind: "text", mime: "text/tab-separated-values" },
  json: { kind: "code", mime: "application/json" },
  jsonl: { kind: "code", mime: "application/jsonl" },
  yaml: { kind: "code", mime: "application/x-yaml" },
  yml: { kind: "code", mime: "application/x-yaml" },
  toml: { kind: "code", mime: "application/toml" },
  xml: { kind: "code", mime: "application/xml" },
  ini: { kind: "code", mime: "text/plain" },
  cfg: { kind: "code", mime: "text/plain" },
  sql: { kind: "code", mime: "application/sql" },
};

// Source code is read as text; its MIME type is text/x-<language>.
const CODE_EXTENSIONS = [
  "py",
  "pyi",
  "js",
  "mjs",
  "cjs",
  "jsx",
  "ts",
  "tsx",
  "mts",
  "cts",
  "java",
  "kt",
  "kts",
  "scala",
  "go",
  "rs",
  "rb",
  "php",
  "c",
  "h",
  "cc",
  "cpp",
  "cxx",
  "hpp",
  "cs",
  "swift",
  "m",
  "r",
  "lua",
  "pl",
  "sh",
  "bash",
  "zsh",
  "ps1",
  "css",
  "scss",
  "less",
  "vue",
  "svelte",
  "dart",
  "ex",
  "exs",
  "erl",
  "hs",
  "clj",
  "elm",
  "jl",
  "zig",
  "nim",
  "proto",
  "graphql",
  "tf",
  "dockerfile",
  "makefile",
];
for (const extension of CODE_EXTENSIONS)
  EXTENSIONS[extension] = { kind: "code", mime: `text/x-${extension}` };

/** The kind and MIME type of an upload, from its name (and the declared type for extension-less names). */
export function detectFileType(
  fileName: string,
  declaredType: string | undefined,
): { kind: FileKind; mime: string } | undefined {
  const base = fileName.split("/").pop() ?? fileName;
  const dot = base.lastIndexOf(".");
  const extension = (dot >= 0 ? base.slice(dot + 1) : base).toLowerCase();
  const known = EXTENSIONS[extension];
  if (known) return known;
  const declared = declaredType?.split(";")[0]?.trim().toLowerCase();
  if (declared === "application/pdf") return { kind: "pdf", mime: declared };
  if (declared === "text/html") return { kind: "html", mime: declared };
  if (declared === "text/markdown") return { kind: "markdown", mime: declared };
  if (declared?.startsWith("text/")) return { kind: "text", mime: declared };
  return undefined;
}

const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // "%PDF-"

function isPdf(bytes: Uint8Array): boolean {
  return PDF_MAGIC.every((byte, index) => bytes[index] === byte);
}

/** File name extensions that can be uploaded, for error messages. */
export const SUPPORTED_EXTENSIONS: readonly string[] = Object.keys(EXTENSIONS).sort();

/** Extracts the text of a file; an unreadable file is an expected failure with the reason. */
export async function parseFile(bytes: Uint8Array, kind: FileKind): Promise<Result<string>> {
  try {
    // The type comes from the file's name, which the uploader chooses: a PDF is a PDF whatever its name.
    switch (isPdf(bytes) ? "pdf" : kind) {
      case "pdf":
        return { ok: true, value: await pdfText(bytes) };
      case "html":
        return { ok: true, value: htmlToMarkdown(decodeUtf8(bytes)) };
      default:
        return { ok: true, value: normalizeNewlines(decodeUtf8(bytes)) };
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, error: reason };
  }
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    if (text.includes("\u0000")) throw new Error("binary");
    return text.startsWith("\uFEFF") ? text.slice(1) : text;
  } catch {
    throw new ReverieError("invalid_argument", "The file is not UTF-8 text (it looks binary)");
  }
}

function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

async function pdfText(bytes: Uint8Array): Promise<string> {
  // unpdf bundles a serverless build of PDF.js: pure JavaScript, no worker or canvas needed for text.
  const { extractText, getDocumentProxy } = await import("unpdf");
  let document: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // PDF.js takes ownership of (detaches) the buffer it is given: hand it a copy.
    document = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Could not read the PDF: ${reason}`);
  }
  try {
    const { text } = await extractText(document, { mergePages: false });
    return text.map((page) => normalizeNewlines(page).trim()).join("\n\n");
  } finally {
    await document.destroy();
  }
}

const SKIPPED_TAGS = new Set(["script", "style", "noscript", "template", "svg", "head", "iframe", "canvas"]);
const BLOCK_TAGS = new Set([
  "p",
  "div",
  "section",
  "article",
  "main",
  "header",
  "footer",
  "nav",
  "aside",
  "blockquote",
  "figure",
  "figcaption",
  "table",
  "tr",
  "ul",
  "ol",
  "dl",
  "dt",
  "dd",
  "form",
  "fieldset",
  "address",
  "details",
  "summary",
  "body",
  "html",
]);

/** Converts HTML to readable markdown: headings, paragraphs, lists, links, code and table rows. */
export function htmlToMarkdown(html: string): string {
  const root = parseHtml(html, { comment: false, blockTextElements: { pre: true } });
  const title = root.querySelector("title")?.text.trim();
  const body = root.querySelector("body") ?? root;
  let markdown = render(body)
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  if (title && !markdown.includes(title)) markdown = `# ${title}\n\n${markdown}`;
  return markdown;
}

function render(node: Node): string {
  if (node.nodeType === NodeType.TEXT_NODE) return node.text.replace(/\s+/g, " ");
  if (node.nodeType !== NodeType.ELEMENT_NODE) return "";
  const element = node as HTMLElement;
  const tag = element.rawTagName?.toLowerCase() ?? "";
  if (SKIPPED_TAGS.has(tag)) return "";
  const inner = () => element.childNodes.map(render).join("");
  const heading = /^h([1-6])$/.exec(tag);
  if (heading) return `\n\n${"#".repeat(Number(heading[1]))} ${inner().trim()}\n\n`;
  switch (tag) {
    case "br":
      return "\n";
    case "hr":
      return "\n\n---\n\n";
    case "pre":
      return `\n\n\`\`\`\n${element.text.replace(/\n$/, "")}\n\`\`\`\n\n`;
    case "code":
      return `\`${element.text}\``;
    case "strong":
    case "b":
      return `**${inner().trim()}**`;
    case "em":
    case "i":
      return `*${inner().trim()}*`;
    case "a": {
      const text = inner().trim();
      const href = element.getAttribute("href");
      return href && text && !href.startsWith("#") && !href.startsWith("javascript:")
        ? `[${text}](${href})`
        : text;
    }
    case "img": {
      const alt = element.getAttribute("alt");
      return alt ? `![${alt}]` : "";
    }
    case "li": {
      const ordered = element.parentNode?.rawTagName?.toLowerCase() === "ol";
      return `\n${ordered ? "1." : "-"} ${inner().trim()}`;
    }
    case "td":
    case "th":
      return ` ${inner().trim()} |`;
    case "tr":
      return `\n|${inner()}`;
    default:
      return BLOCK_TAGS.has(tag) ? `\n\n${inner()}\n\n` : inner();
  }
}
