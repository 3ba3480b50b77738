import { readFile } from "node:fs/promises";

/** One turn of a LoCoMo conversation as the data set writes it. */
interface RawTurn {
  speaker?: unknown;
  dia_id?: unknown;
  text?: unknown;
  blip_caption?: unknown;
}

/** A question with its reference answer; categories 1-4 are scored (5, adversarial, has no answer). */
export interface QaItem {
  question: string;
  answer: string;
  category: number;
}

/** A conversation: its turns in order (with times) and its questions. */
export interface QaConversation {
  id: string;
  speakers: [string, string];
  turns: Array<{ speaker: string; text: string; at: string }>;
  questions: QaItem[];
}

/** `1:56 pm on 8 May, 2023` as an ISO time (UTC), or undefined. */
function sessionStart(text: string): Date | undefined {
  const match = /(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+(\w+),?\s+(\d{4})/i.exec(text);
  if (!match) return undefined;
  const [, hour, minute, half, day, month, year] = match as unknown as string[];
  const monthIndex = new Date(`${month} 1, 2000`).getMonth();
  if (Number.isNaN(monthIndex)) return undefined;
  const hours = (Number(hour) % 12) + ((half ?? "").toLowerCase() === "pm" ? 12 : 0);
  return new Date(Date.UTC(Number(year), monthIndex, Number(day), hours, Number(minute)));
}

/**
 * Reads a LoCoMo-format file (a JSON array of samples with `conversation` sessions and `qa`), keeping the
 * questions of `categories` that have an answer. Throws an Error saying what is wrong with a malformed one.
 */
export async function readQaConversations(
  path: string,
  categories: ReadonlySet<number>,
): Promise<QaConversation[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${path}: expected a JSON array of LoCoMo samples`);
  return parsed.map((sample, index) => {
    const record = (sample ?? {}) as Record<string, unknown>;
    const conversation = (record.conversation ?? {}) as Record<string, unknown>;
    const speakers = [conversation.speaker_a, conversation.speaker_b];
    if (!speakers.every((name) => typeof name === "string" && name !== "") || !Array.isArray(record.qa)) {
      throw new Error(`${path}: sample ${index} has no speaker_a/speaker_b or no qa list`);
    }
    const turns: QaConversation["turns"] = [];
    for (let session = 1; Array.isArray(conversation[`session_${session}`]); session++) {
      const start = sessionStart(String(conversation[`session_${session}_date_time`] ?? ""));
      if (start === undefined)
        throw new Error(`${path}: sample ${index}, session ${session} has no readable date`);
      (conversation[`session_${session}`] as RawTurn[]).forEach((turn, position) => {
        if (typeof turn?.speaker !== "string" || typeof turn.text !== "string") return;
        const photo =
          typeof turn.blip_caption === "string" ? ` [shares a photo of ${turn.blip_caption}]` : "";
        turns.push({
          speaker: turn.speaker,
          text: `${turn.text}${photo}`,
          at: new Date(start.getTime() + position * 60_000).toISOString(),
        });
      });
    }
    const questions = (record.qa as Array<Record<string, unknown>>).flatMap((qa) => {
      const category = Number(qa?.category);
      const answer = qa?.answer;
      if (!categories.has(category) || typeof qa?.question !== "string") return [];
      if (answer === undefined || answer === null || answer === "") return [];
      return [{ question: qa.question, answer: String(answer), category }];
    });
    return {
      id: typeof record.sample_id === "string" ? record.sample_id : `sample-${index}`,
      speakers: speakers as [string, string],
      turns,
      questions,
    };
  });
}
