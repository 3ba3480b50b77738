// The worker thread that runs local embedding models (transformers.js over ONNX Runtime), so that
// tokenizing and inference never block the server's event loop. One model instance per folder, loaded
// on first use and kept.
import { parentPort, workerData } from "node:worker_threads";
import type { EmbedRequest, EmbedResponse, LoadedModel } from "./worker-protocol.js";

interface Tensor {
  data: ArrayLike<number | bigint>;
  dims: number[];
}
type Tokenizer = (
  texts: string[],
  options: { padding: boolean; truncation: boolean; max_length: number },
) => { attention_mask: Tensor } & Record<string, Tensor>;
type Model = (inputs: Record<string, Tensor>) => Promise<{ last_hidden_state: Tensor }>;

const threads = (workerData as { threads?: number } | undefined)?.threads ?? 1;
const models = new Map<string, Promise<{ tokenizer: Tokenizer; model: Model }>>();

async function load(spec: LoadedModel): Promise<{ tokenizer: Tokenizer; model: Model }> {
  const transformers = await import("@huggingface/transformers");
  const { env, AutoTokenizer, AutoModel } = transformers;
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = spec.modelsDir;
  const tokenizer = (await AutoTokenizer.from_pretrained(spec.name)) as unknown as Tokenizer;
  const model = (await AutoModel.from_pretrained(spec.name, {
    dtype: spec.onnxFile.endsWith("_quantized.onnx") ? "q8" : "fp32",
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
  })) as unknown as Model;
  return { tokenizer, model };
}

/** Mean of the token vectors the attention mask keeps (or the first token's), L2-normalized. */
function pool(hidden: Tensor, mask: Tensor, pooling: "mean" | "cls"): Float32Array {
  const [batch = 0, length = 0, dim = 0] = hidden.dims;
  const data = hidden.data as Float32Array;
  const out = new Float32Array(batch * dim);
  for (let row = 0; row < batch; row++) {
    const vector = out.subarray(row * dim, (row + 1) * dim);
    if (pooling === "cls") {
      vector.set(data.subarray(row * length * dim, row * length * dim + dim));
    } else {
      let count = 0;
      for (let token = 0; token < length; token++) {
        if (Number(mask.data[row * length + token]) === 0) continue;
        count++;
        const offset = (row * length + token) * dim;
        for (let i = 0; i < dim; i++) vector[i] = (vector[i] ?? 0) + (data[offset + i] ?? 0);
      }
      for (let i = 0; i < dim; i++) vector[i] = (vector[i] ?? 0) / Math.max(1, count);
    }
    let norm = 0;
    for (let i = 0; i < dim; i++) norm += (vector[i] ?? 0) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < dim; i++) vector[i] = (vector[i] ?? 0) / norm;
  }
  return out;
}

async function embed(request: EmbedRequest): Promise<EmbedResponse> {
  const key = `${request.model.modelsDir}\u0000${request.model.name}`;
  let loading = models.get(key);
  if (loading === undefined) {
    loading = load(request.model);
    models.set(key, loading);
    loading.catch(() => models.delete(key));
  }
  const { tokenizer, model } = await loading;
  const inputs = tokenizer(request.texts, {
    padding: true,
    truncation: true,
    max_length: request.model.maxTokens,
  });
  const { last_hidden_state: hidden } = await model(inputs);
  const vectors = pool(hidden, inputs.attention_mask, request.model.pooling);
  return { id: request.id, ok: true, dim: hidden.dims[2] ?? 0, vectors };
}

parentPort?.on("message", (request: EmbedRequest) => {
  embed(request).then(
    (response) =>
      parentPort?.postMessage(response, response.ok ? [response.vectors.buffer as ArrayBuffer] : []),
    (error: unknown) =>
      parentPort?.postMessage({
        id: request.id,
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      } satisfies EmbedResponse),
  );
});
