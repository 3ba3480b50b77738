import { generateText, streamText } from "ai";
import type { ProviderConfig } from "../provider-config.js";
import { startAttemptDeadline } from "./attempt-deadline.js";
import { wrapForCall } from "./call-middleware.js";
import { buildCallSettings } from "./call-settings.js";
import { LlmError, toLlmError } from "./llm-error.js";
import { createModelFactory, type ModelFactory } from "./model-factory.js";
import {
  StreamAssembler,
  signatureOf,
  toFinishReason,
  toModelUsage,
  toToolCall,
} from "./response-assembly.js";
import {
  DEFAULT_RETRY_POLICY,
  type RetryContext,
  type RetryNotice,
  type RetryPolicy,
  realSleep,
  type Sleep,
  waitBeforeRetry,
  withRetries,
} from "./retry.js";
import type { ModelProvider, ModelRequest, ModelResponse, ModelStreamEvent } from "./types.js";

/** Default silence allowed per attempt: long enough for a reasoning model's first token. */
export const DEFAULT_LLM_TIMEOUT_MS = 300_000;

/** Options of {@link createModelProvider}. */
export interface ModelProviderOptions {
  /** API keys and base URLs of the providers (usually from `providerConfigFromEnv`). */
  providers: ProviderConfig;
  /** Overrides of {@link DEFAULT_RETRY_POLICY}. */
  retry?: Partial<RetryPolicy> | undefined;
  /**
   * How long one attempt may stay silent before it is aborted as a `timeout` (default 300 s). For
   * `generate` this bounds the whole attempt; for `stream`, the wait for each next event.
   */
  timeoutMs?: number | undefined;
  /** Told before each retry (for logs). */
  onRetry?: ((notice: RetryNotice) => void) | undefined;
  /** Replaces the retry wait (tests). */
  sleep?: Sleep | undefined;
  /** Replaces the model factory built from `providers` (tests, custom providers). */
  factory?: ModelFactory | undefined;
}

/** The ModelProvider over the Vercel AI SDK: OpenAI, Anthropic, Gemini, Ollama and OpenAI-compatible. */
export function createModelProvider(options: ModelProviderOptions): ModelProvider {
  const factory = options.factory ?? createModelFactory(options.providers);
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const timeoutMs = options.timeoutMs ?? DEFAULT_LLM_TIMEOUT_MS;
  const retryContext = (abortSignal: AbortSignal | undefined): RetryContext => ({
    policy,
    sleep: options.sleep ?? realSleep,
    onRetry: options.onRetry,
    abortSignal,
  });

  /** Resolves the model and translates the request; a request that cannot be translated is a bad_request. */
  function prepare(request: ModelRequest) {
    const target = factory.languageModel(request.model);
    try {
      return { target, ...buildCallSettings(request, target) };
    } catch (error) {
      throw new LlmError({ kind: "bad_request", model: target.handle, detail: String(error), cause: error });
    }
  }

  async function generate(request: ModelRequest): Promise<ModelResponse> {
    const { target, toolChoice, responseFormat, ...settings } = prepare(request);
    return withRetries(
      async () => {
        const deadline = startAttemptDeadline(target.handle, timeoutMs, request.abortSignal);
        const rawInputs = new Map<string, string>();
        try {
          const result = await generateText({
            ...settings,
            model: wrapForCall(target.model, { rawToolInputs: rawInputs, toolChoice, responseFormat }),
            maxRetries: 0,
            abortSignal: deadline.signal,
          });
          const reasoning = result.reasoningText;
          const reasoningSignature = result.reasoning
            .map((part) => signatureOf(part.providerMetadata))
            .find(Boolean);
          return {
            text: result.text,
            ...(reasoning && { reasoning }),
            ...(reasoningSignature && { reasoningSignature }),
            toolCalls: result.toolCalls.map((call) => toToolCall(call, rawInputs.get(call.toolCallId))),
            finishReason: toFinishReason(result.finishReason),
            usage: toModelUsage(result.usage),
            model: target.handle,
          };
        } catch (error) {
          throw deadline.failure() ?? error;
        } finally {
          deadline.dispose();
        }
      },
      (error) => toLlmError(error, target.handle),
      retryContext(request.abortSignal),
    );
  }

  async function* stream(request: ModelRequest): AsyncGenerator<ModelStreamEvent> {
    const { target, toolChoice, responseFormat, ...settings } = prepare(request);
    const context = retryContext(request.abortSignal);
    for (let attempt = 1; ; attempt++) {
      const deadline = startAttemptDeadline(target.handle, timeoutMs, request.abortSignal);
      const rawInputs = new Map<string, string>();
      const assembler = new StreamAssembler(target.handle, rawInputs);
      let yielded = false;
      let finished = false;
      try {
        const result = streamText({
          ...settings,
          model: wrapForCall(target.model, { rawToolInputs: rawInputs, toolChoice, responseFormat }),
          maxRetries: 0,
          abortSignal: deadline.signal,
          // Errors arrive as `error` parts and are thrown below; the default handler would log them.
          onError: () => {},
        });
        for await (const part of result.fullStream) {
          deadline.touch();
          if (part.type === "error") throw part.error;
          if (part.type === "abort") throw deadline.failure() ?? cancelled(target.handle);
          for (const event of assembler.accept(part)) {
            yielded = true;
            yield event;
          }
          deadline.touch();
        }
        const failure = deadline.failure();
        if (failure) throw failure;
        finished = true;
        yield { type: "finish", response: assembler.response() };
        return;
      } catch (error) {
        const llmError = deadline.failure() ?? toLlmError(error, target.handle);
        deadline.abort();
        // Once events went out a retry would repeat them; the caller decides what to do instead.
        if (yielded) throw llmError.withRetries(attempt - 1);
        await waitBeforeRetry(llmError, attempt, context);
      } finally {
        if (finished) deadline.dispose();
        else deadline.abort();
      }
    }
  }

  return { generate, stream };
}

function cancelled(model: string): LlmError {
  return new LlmError({ kind: "cancelled", model, detail: "the request was cancelled" });
}
