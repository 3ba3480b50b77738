/** The model a worker request runs: enough to load the folder without looking at it again. */
export interface LoadedModel {
  modelsDir: string;
  name: string;
  onnxFile: string;
  pooling: "mean" | "cls";
  maxTokens: number;
}

/** One batch to embed. */
export interface EmbedRequest {
  id: number;
  model: LoadedModel;
  texts: string[];
}

/** The batch's vectors, row after row in one transferred buffer, or why it failed. */
export type EmbedResponse =
  | { id: number; ok: true; dim: number; vectors: Float32Array }
  | { id: number; ok: false; message: string };
