import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { reverieHome } from "../../domain/index.js";
import { providerConfigFromEnv } from "../../llm/provider-config.js";
import { createEmbedder, type Embedder } from "../../llm/providers/embeddings.js";
import { createModelProvider } from "../../llm/providers/model-provider.js";
import { openReverie } from "../../reverie.js";
import { createProgressBar } from "../progress.js";
import { readQaConversations } from "./locomo-data.js";
import { runLocomoQa, summarizeQa } from "./locomo-qa.js";

const USAGE = `Usage: reverie bench locomo --model <handle> [options]

End-to-end question answering on LoCoMo (categories 1-4): each question goes to a fresh Reverie agent
holding the conversation in its recall memory, which answers with its own memory tools; an LLM judge
grades the answer against the gold one (J = share judged correct). Prints J per category, tokens per
question and latency. Published anchors (J, categories 1-4): Letta filesystem agent 74.0 (gpt-4o-mini),
Zep 75.1 (corrected), Mem0 92.5 (2026).

Options:
  --model <handle>        the agent's chat model, e.g. openai/gpt-4o-mini (required)
  --judge <handle>        the judge model (default: the agent's model)
  --embedding <handle>    the agent's embedding model (default: the server's default, e.g. local/all-MiniLM-L6-v2)
  --data <file>           LoCoMo's locomo10.json (default: ./locomo10.json)
  --conversations <n>     only the first n conversations
  --questions <n>         only the first n questions of each conversation
  --json <file>           write every question's outcome as JSON
  -h, --help              this help

Providers come from the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...); agents live in a temporary
data directory that is deleted afterwards.`;

/** `reverie bench <benchmark>`: only `locomo` today. */
export async function benchCommand(argv: readonly string[], env = process.env): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? console.error : console.log)(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name !== "locomo") {
    console.error(`reverie bench: unknown benchmark '${name}' (available: locomo)\n\n${USAGE}`);
    return 2;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...rest],
      options: {
        model: { type: "string" },
        judge: { type: "string" },
        embedding: { type: "string" },
        data: { type: "string" },
        conversations: { type: "string" },
        questions: { type: "string" },
        json: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (typeof values.model !== "string")
      throw new Error("--model is required, e.g. --model openai/gpt-4o-mini");
  } catch (error) {
    console.error(`reverie bench locomo: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const limit = (flag: "conversations" | "questions"): number | undefined => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    const count = Number(raw);
    if (!Number.isInteger(count) || count < 1)
      throw new Error(`--${flag} must be a positive integer, got '${raw}'`);
    return count;
  };
  try {
    return await run({
      model: values.model as string,
      judge: (values.judge as string | undefined) ?? (values.model as string),
      embedding: values.embedding as string | undefined,
      data: (values.data as string | undefined) ?? "locomo10.json",
      conversations: limit("conversations"),
      questions: limit("questions"),
      json: values.json as string | undefined,
      env,
    });
  } catch (error) {
    console.error(`reverie bench locomo: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

interface RunSettings {
  model: string;
  judge: string;
  embedding: string | undefined;
  data: string;
  conversations: number | undefined;
  questions: number | undefined;
  json: string | undefined;
  env: Record<string, string | undefined>;
}

async function run(settings: RunSettings): Promise<number> {
  const conversations = (await readQaConversations(settings.data, new Set([1, 2, 3, 4])))
    .slice(0, settings.conversations)
    .map((conversation) => ({
      ...conversation,
      questions: conversation.questions.slice(0, settings.questions),
    }));
  const home = mkdtempSync(join(tmpdir(), "reverie-bench-locomo-"));
  // Agents live in the temporary home; local models stay where the user keeps them.
  const env = {
    ...settings.env,
    REVERIE_MODELS_DIR: settings.env.REVERIE_MODELS_DIR || join(reverieHome(settings.env), "models"),
    REVERIE_DATABASE_URL: undefined,
  };
  const providers = providerConfigFromEnv(env);
  const reverie = await openReverie({ home, env, providers, worker: false });
  const embedder = memoizing(createEmbedder({ providers }));
  try {
    await reverie.models.resolveLlm(settings.model);
    await reverie.models.resolveLlm(settings.judge);
    const handle = settings.embedding ?? (await reverie.models.defaultEmbeddingHandle());
    const embedding = handle === undefined ? null : await reverie.models.resolveEmbedding(handle);
    const total = conversations.reduce((sum, conversation) => sum + conversation.questions.length, 0);
    console.error(
      `LoCoMo: ${conversations.length} conversations, ${total} questions; model ${settings.model}, judge ${settings.judge}, ` +
        `embedding ${embedding?.handle ?? "none (text search only)"}`,
    );
    const bar = createProgressBar("questions", total);
    const outcomes = await runLocomoQa({
      reverie,
      provider: createModelProvider({ providers }),
      embedder,
      model: settings.model,
      judge: settings.judge,
      embedding,
      conversations,
      onOutcome: (_outcome, done) => bar.update(done),
    });
    bar.finish();
    console.log(
      `\nLoCoMo question answering, J by category (model ${settings.model}, judge ${settings.judge})\n`,
    );
    console.log("| category | questions | J | tokens per question | p50 s | p95 s |");
    console.log("|---|---|---|---|---|---|");
    for (const row of summarizeQa(outcomes)) {
      console.log(
        `| ${row.category} | ${row.questions} | ${row.j.toFixed(1)} | ${row.tokensPerQuestion} | ${(row.p50Ms / 1000).toFixed(2)} | ${(row.p95Ms / 1000).toFixed(2)} |`,
      );
    }
    if (settings.json)
      writeFileSync(
        settings.json,
        `${JSON.stringify({ settings: { ...settings, env: undefined }, outcomes }, null, 2)}\n`,
      );
    return 0;
  } finally {
    await embedder.close?.();
    await reverie.close();
    rmSync(home, { recursive: true, force: true });
  }
}

/** Remembers vectors by text: every question's agent holds the same conversation. */
function memoizing(inner: Embedder): Embedder {
  const known = new Map<string, number[]>();
  return {
    async embed(texts, model, options) {
      const missing = [...new Set(texts.filter((text) => !known.has(text)))];
      if (missing.length > 0) {
        const vectors = await inner.embed(missing, model, options);
        for (const [index, text] of missing.entries()) known.set(text, vectors[index] ?? []);
      }
      return texts.map((text) => known.get(text) ?? []);
    },
    close: () => inner.close?.() ?? Promise.resolve(),
  };
}
