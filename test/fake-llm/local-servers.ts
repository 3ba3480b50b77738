import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fakeEmbed } from "./embedder.js";

/** What a fake local model server reports about its models, in its own dialect. */
export interface FakeLocalServerOptions {
  /** `vllm`: `max_model_len` in /v1/models; `llamacpp`: `/props`; `ollama`: `/api/show`; `bare`: nothing. */
  flavour: "vllm" | "llamacpp" | "ollama" | "bare";
  models: string[];
  /** The context length the server reports (llama.cpp's n_ctx, vLLM's max_model_len, Ollama's num_ctx). */
  contextLength?: number;
  /** Ollama only: the model's trained length in `model_info` (reported beside, or without, num_ctx). */
  trainedLength?: number;
  /** Size of the vectors `/v1/embeddings` returns; undefined: no embeddings endpoint (404). */
  embeddingDim?: number;
}

/** A fake vLLM / llama.cpp / Ollama server on 127.0.0.1, answering the requests Reverie probes with. */
export interface FakeLocalServer {
  /** The OpenAI-style base URL (ending in `/v1`). */
  url: string;
  /** Requests received, as `METHOD /path`. */
  requests: string[];
  close(): Promise<void>;
}

export async function startFakeLocalServer(options: FakeLocalServerOptions): Promise<FakeLocalServer> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    let raw = "";
    request.on("data", (chunk: Buffer) => {
      raw += chunk.toString();
    });
    request.on("end", () => {
      const path = request.url ?? "";
      requests.push(`${request.method} ${path}`);
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const json = (status: number, value: unknown) => {
        response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
      };
      if (request.method === "GET" && path === "/v1/models") {
        return json(200, {
          object: "list",
          data: options.models.map((id) => ({
            id,
            object: "model",
            owned_by: options.flavour,
            ...(options.flavour === "vllm" && { max_model_len: options.contextLength }),
          })),
        });
      }
      if (request.method === "POST" && path === "/v1/embeddings" && options.embeddingDim !== undefined) {
        const inputs = Array.isArray(body.input) ? body.input : [body.input];
        return json(200, {
          object: "list",
          model: body.model,
          data: inputs.map((text, index) => ({
            object: "embedding",
            index,
            embedding: fakeEmbed(String(text), options.embeddingDim),
          })),
          usage: { prompt_tokens: 1, total_tokens: 1 },
        });
      }
      if (request.method === "GET" && path === "/props" && options.flavour === "llamacpp") {
        return json(200, { default_generation_settings: { n_ctx: options.contextLength }, total_slots: 1 });
      }
      if (request.method === "POST" && path === "/api/show" && options.flavour === "ollama") {
        if (!options.models.includes(String(body.model))) return json(404, { error: "model not found" });
        return json(200, {
          parameters:
            options.contextLength === undefined ? "stop <|eot_id|>" : `num_ctx ${options.contextLength}`,
          model_info: { "general.architecture": "llama", "llama.context_length": options.trainedLength },
        });
      }
      json(404, { error: `no route ${request.method} ${path}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
