import type { Letta } from "@letta-ai/letta-client";

/** The blocks an agent made from the command line starts with. */
export const DEFAULT_BLOCKS = {
  persona: "I am a helpful assistant with a long memory. I keep notes about the people I talk with.",
  human: "Nothing is known about the user yet.",
} as const;

/**
 * The server's default embedding model (the first one it lists), or undefined when it has none. Letta's API
 * leaves an agent created without `embedding` on text search; an agent made here searches by meaning when it can.
 */
export async function serverDefaultEmbedding(client: Letta): Promise<string | undefined> {
  const models = (await client.models.embeddings.list()) as Array<{ handle?: string | null }>;
  return models[0]?.handle ?? undefined;
}
