import { type EmbeddingConfig, parseRequestJson, type Result } from "../../domain/index.js";
import { type FileKind, parseFile } from "../files/parsers.js";
import { chunkPassageText } from "../search/passage-chunks.js";

/**
 * The CPU-heavy work that may run in a worker thread: each task takes and returns plain data (it
 * crosses threads by structured clone), and runs the same in either place.
 */
export const CPU_TASKS = {
  /** The text of an uploaded file (PDF extraction, HTML to markdown, UTF-8 decoding). */
  parseFile: (input: { bytes: Uint8Array; kind: FileKind }): Promise<Result<string>> =>
    parseFile(input.bytes, input.kind),
  /** A passage's text cut into chunks its embedding model takes whole (token counting included). */
  chunkPassageText: (input: { text: string; config: EmbeddingConfig | null }): string[] =>
    chunkPassageText(input.text, input.config),
  /**
   * A fetched page as readable text (`fetch_webpage`): HTML through Readability, Turndown and linkedom,
   * PDF through its parser. Loaded on first use, so a thread that never reads a page never loads them.
   */
  readablePage: async (input: {
    body: Uint8Array;
    contentType: string;
    url: string;
    status: number;
  }): Promise<Result<string>> => {
    const { readablePage } = await import("../tools/web/readable-page.js");
    const body = Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength);
    return readablePage({ ...input, body });
  },
  /**
   * A request's JSON body from its bytes: decoded, nesting checked, parsed, NUL removed (see
   * `parseRequestJson`); an empty body is `{}`. Throws what `parseRequestJson` throws.
   */
  parseJsonBody: (input: { bytes: Uint8Array; what: string }): unknown => {
    const text = new TextDecoder().decode(input.bytes);
    return text.trim() === "" ? {} : parseRequestJson(text, input.what);
  },
};

/** The name of a CPU task. */
export type CpuTaskName = keyof typeof CPU_TASKS;
/** The input of a CPU task. */
export type CpuTaskInput<Name extends CpuTaskName> = Parameters<(typeof CPU_TASKS)[Name]>[0];
/** The result of a CPU task. */
export type CpuTaskOutput<Name extends CpuTaskName> = Awaited<ReturnType<(typeof CPU_TASKS)[Name]>>;

/** A request posted to a worker. */
export interface CpuRequest {
  id: number;
  task: CpuTaskName;
  input: unknown;
}

/** A worker's answer: the task's value, or the message of what it threw. */
export type CpuResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; message: string; code?: string | undefined };

/** Runs one task here (in whichever thread this is). */
export async function runCpuTask<Name extends CpuTaskName>(
  task: Name,
  input: CpuTaskInput<Name>,
): Promise<CpuTaskOutput<Name>> {
  const run = CPU_TASKS[task] as (
    input: CpuTaskInput<Name>,
  ) => CpuTaskOutput<Name> | Promise<CpuTaskOutput<Name>>;
  return await run(input);
}
