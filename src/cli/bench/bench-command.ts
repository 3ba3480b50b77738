import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reverieHome } from "../../domain/index.js";
import { providerConfigFromEnv } from "../../llm/provider-config.js";
import { createEmbedder, type Embedder } from "../../llm/providers/embeddings.js";
import { createModelProvider } from "../../llm/providers/model-provider.js";
import { openReverie } from "../../reverie.js";
import { CliError, defineCommand, defineGroup, UsageError } from "../command.js";
import { createProgressBar } from "../progress.js";
import { readQaConversations } from "./locomo-data.js";
import { runLocomoQa, summarizeQa } from "./locomo-qa.js";

/** A positive integer flag, or undefined when absent. */
function positiveInteger(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1) {
    throw new UsageError(`--${flag} must be a positive integer, got '${raw}'`);
  }
  return count;
}

const locomoCommand = defineCommand({
  name: "locomo",
  summary: "End-to-end question answering on LoCoMo (categories 1-4), judged by an LLM.",
  description: `Each question goes to a fresh Reverie agent holding the conversation in its recall memory,
which answers with its own memory tools; an LLM judge grades the answer against the gold one
(J = share judged correct). Prints J per category, tokens per question and latency. Published anchors
(J, categories 1-4): Letta filesystem agent 74.0 (gpt-4o-mini), Zep 75.1 (corrected), Mem0 92.5 (2026).

Providers come from the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...); agents live in a temporary
data directory that is deleted afterwards.`,
  flags: {
    model: {
      type: "string",
      placeholder: "handle",
      description: "the agent's chat model, e.g. openai/gpt-4o-mini (required)",
    },
    judge: {
      type: "string",
      placeholder: "handle",
      description: "the judge model (default: the agent's model)",
    },
    embedding: {
      type: "string",
      placeholder: "handle",
      description: "the agent's embedding model (default: the server's default, e.g. local/all-MiniLM-L6-v2)",
    },
    data: {
      type: "string",
      placeholder: "file",
      description: "LoCoMo's locomo10.json (default: ./locomo10.json)",
    },
    conversations: { type: "string", placeholder: "n", description: "only the first n conversations" },
    questions: {
      type: "string",
      placeholder: "n",
      description: "only the first n questions of each conversation",
    },
    json: { type: "string", placeholder: "file", description: "write every question's outcome as JSON" },
  },
  async run({ flags }) {
    if (flags.model === undefined)
      throw new UsageError("--model is required, e.g. --model openai/gpt-4o-mini");
    const settings: RunSettings = {
      model: flags.model,
      judge: flags.judge ?? flags.model,
      embedding: flags.embedding,
      data: flags.data ?? "locomo10.json",
      conversations: positiveInteger("conversations", flags.conversations),
      questions: positiveInteger("questions", flags.questions),
      json: flags.json,
      env: process.env,
    };
    try {
      return await run(settings);
    } catch (error) {
      throw new CliError(error instanceof Error ? error.message : String(error));
    }
  },
});

/** `reverie bench <benchmark>`: only `locomo` today. */
export const benchCommand = defineGroup({
  name: "bench",
  summary: "Benchmarks a user can reproduce with their own model keys (locomo).",
  commands: [locomoCommand],
});

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
