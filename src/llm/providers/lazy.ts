import type { Embedder } from "./embeddings.js";
import type { ModelProvider } from "./types.js";

/**
 * A ModelProvider that loads the real one (and the AI SDK behind it) on first use, so a server that
 * never calls a model starts without loading the SDK.
 */
export function lazyModelProvider(load: () => Promise<ModelProvider>): ModelProvider {
  let loading: Promise<ModelProvider> | undefined;
  const provider = () => {
    loading ??= load();
    return loading;
  };
  return {
    generate: async (request) => (await provider()).generate(request),
    stream: (request) => ({
      async *[Symbol.asyncIterator]() {
        yield* (await provider()).stream(request);
      },
    }),
  };
}

/** An Embedder loaded on first use, like {@link lazyModelProvider}. */
export function lazyEmbedder(load: () => Promise<Embedder>): Embedder {
  let loading: Promise<Embedder> | undefined;
  return {
    embed: async (...args) => {
      loading ??= load();
      return (await loading).embed(...args);
    },
    close: async () => {
      if (loading) await (await loading).close?.();
    },
  };
}
