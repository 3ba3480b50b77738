import { performance } from "node:perf_hooks";
import { type EmbeddingConfig, newMessageRecord, randomIds } from "../../domain/index.js";
import type { Embedder } from "../../llm/providers/embeddings.js";
import type { ModelProvider } from "../../llm/providers/types.js";
import type { Reverie } from "../../reverie.js";
import { embedAgentMessages } from "../../runtime/recall/message-embedding.js";
import type { QaConversation, QaItem } from "./locomo-data.js";

/** How one question went. */
export interface QaOutcome {
  conversation: string;
  category: number;
  question: string;
  answer: string;
  generated: string;
  correct: boolean;
  /** Tokens of the agent's turn (every step), not counting the judge. */
  tokens: number;
  judgeTokens: number;
  /** Wall time of the agent's turn, milliseconds. */
  ms: number;
  steps: number;
}

export interface QaRunOptions {
  reverie: Reverie;
  /** Calls the judge model. */
  provider: ModelProvider;
  /** Embeds the conversation once; each question's fresh agent reuses the vectors. */
  embedder: Embedder;
  model: string;
  judge: string;
  embedding: EmbeddingConfig | null;
  conversations: QaConversation[];
  onOutcome?: ((outcome: QaOutcome, done: number, total: number) => void) | undefined;
}

const PERSONA =
  "I am a memory agent. The conversations between two people are in my recall memory; I answer questions " +
  "about them. I search my memory with conversation_search (more than once, with other words, when the first " +
  "search does not find it) before I answer. Each remembered message carries its date: I answer questions " +
  'about time with dates, worked out from those timestamps ("yesterday" in a message is the day before it). ' +
  "My answer is short: the fact asked for, no preamble.";

/** The judge's instructions: lenient on wording, strict on the fact (as the published LoCoMo evaluations). */
export const JUDGE_PROMPT =
  "You grade answers to questions about a long conversation. You are given the question, the gold answer " +
  "and a generated answer. The generated answer is CORRECT when it states the same fact as the gold answer, " +
  "even when it is longer or worded differently; for a question about time, the same date or period in " +
  "another format is CORRECT. It is WRONG when it states another fact, misses the fact, or says it does " +
  'not know. Reply with JSON only: {"reasoning": "<one sentence>", "label": "CORRECT" or "WRONG"}.';

/**
 * Answers every question with a fresh agent that holds the conversation in its recall memory (the same
 * messages and vectors each time, so no question sees another's turn), then has the judge grade it.
 */
export async function runLocomoQa(options: QaRunOptions): Promise<QaOutcome[]> {
  const { reverie } = options;
  const { services, store } = reverie;
  const total = options.conversations.reduce((sum, conversation) => sum + conversation.questions.length, 0);
  const outcomes: QaOutcome[] = [];
  for (const conversation of options.conversations) {
    for (const item of conversation.questions) {
      const agent = await services.agents.create({
        name: `locomo-${conversation.id}-${outcomes.length + 1}`,
        model: options.model,
        ...(options.embedding ? { embedding_config: options.embedding } : { embedding: null }),
        memory_blocks: [
          { label: "persona", value: PERSONA },
          {
            label: "human",
            value: `My memory holds the conversations between ${conversation.speakers[0]} and ${conversation.speakers[1]}.`,
          },
        ],
      });
      try {
        await store.messages.append(
          conversation.turns.map((turn) =>
            newMessageRecord({
              id: randomIds.next("message"),
              agent_id: agent.id,
              role: "user",
              created_at: turn.at,
              content: [{ type: "text", text: `${turn.speaker}: ${turn.text}` }],
            }),
          ),
        );
        if (options.embedding) {
          await embedAgentMessages({
            store,
            embedder: options.embedder,
            agentId: agent.id,
            config: options.embedding,
          });
        }
        // A conversation of its own: the question's window starts empty, so the agent must search.
        const thread = await services.conversations.create(agent.id, {});
        const started = performance.now();
        const response = await services.messages.send(
          agent.id,
          { messages: [{ role: "user", content: item.question }] },
          thread.id,
        );
        const ms = performance.now() - started;
        const generated = lastAnswer(response.messages);
        const verdict = await judge(options.provider, options.judge, item, generated);
        const outcome: QaOutcome = {
          conversation: conversation.id,
          category: item.category,
          question: item.question,
          answer: item.answer,
          generated,
          correct: verdict.correct,
          tokens: response.usage.total_tokens,
          judgeTokens: verdict.tokens,
          ms,
          steps: response.usage.step_count,
        };
        outcomes.push(outcome);
        options.onOutcome?.(outcome, outcomes.length, total);
      } finally {
        await services.agents.delete(agent.id);
      }
    }
  }
  return outcomes;
}

function lastAnswer(messages: ReadonlyArray<{ message_type: string }>): string {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index] as { message_type: string; content?: unknown };
    if (message.message_type !== "assistant_message") continue;
    if (typeof message.content === "string") return message.content;
    if (Array.isArray(message.content)) {
      return message.content
        .map((part) => (typeof part?.text === "string" ? part.text : ""))
        .join("")
        .trim();
    }
  }
  return "";
}

/** Asks the judge; an answer it cannot read counts as WRONG (and says so in the label it returns). */
async function judge(
  provider: ModelProvider,
  model: string,
  item: QaItem,
  generated: string,
): Promise<{ correct: boolean; tokens: number }> {
  const response = await provider.generate({
    model,
    system: JUDGE_PROMPT,
    temperature: 0,
    maxOutputTokens: 200,
    messages: [
      {
        role: "user",
        content: `Question: ${item.question}\nGold answer: ${item.answer}\nGenerated answer: ${generated || "(no answer)"}`,
      },
    ],
  });
  const label =
    /"label"\s*:\s*"(CORRECT|WRONG)"/i.exec(response.text)?.[1] ??
    /\b(CORRECT|WRONG)\b/.exec(response.text)?.[1];
  return { correct: label?.toUpperCase() === "CORRECT", tokens: response.usage.totalTokens };
}

/** J (share judged correct, in percent) per category and overall, with cost and latency. */
export interface QaSummaryRow {
  category: string;
  questions: number;
  j: number;
  tokensPerQuestion: number;
  p50Ms: number;
  p95Ms: number;
}

export function summarizeQa(outcomes: readonly QaOutcome[]): QaSummaryRow[] {
  const groups = new Map<string, QaOutcome[]>();
  for (const outcome of outcomes) {
    for (const key of [String(outcome.category), "all"])
      groups.set(key, [...(groups.get(key) ?? []), outcome]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === "all" ? 1 : b === "all" ? -1 : a.localeCompare(b)))
    .map(([category, group]) => {
      const times = group.map((outcome) => outcome.ms).sort((a, b) => a - b);
      const at = (p: number) =>
        times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] ?? 0;
      return {
        category,
        questions: group.length,
        j: Math.round((1000 * group.filter((outcome) => outcome.correct).length) / group.length) / 10,
        tokensPerQuestion: Math.round(group.reduce((sum, outcome) => sum + outcome.tokens, 0) / group.length),
        p50Ms: Math.round(at(50)),
        p95Ms: Math.round(at(95)),
      };
    });
}
