import { z } from "zod";
import { EmbeddingModelSchema, ListModelsQuerySchema, ModelSchema } from "../../domain/index.js";
import type { ModelRegistry } from "../../llm/model-registry.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** `/v1/models/`: the chat and embedding models of the configured providers. */
export function modelRoutes(registry: ModelRegistry): AnyRoute[] {
  const listEmbeddings = defineRoute({
    method: "get",
    path: "/v1/models/embedding",
    operationId: "list_embedding_models",
    summary: "List embedding models",
    tag: "models",
    response: z.array(EmbeddingModelSchema),
    handle: () => registry.listEmbeddingModels(),
  });
  return [
    defineRoute({
      method: "get",
      path: "/v1/models/",
      operationId: "list_models",
      summary: "List chat models",
      tag: "models",
      query: ListModelsQuerySchema,
      response: z.array(ModelSchema),
      handle: ({ query }) => registry.listModels(query),
    }),
    listEmbeddings,
    { ...listEmbeddings, path: "/v1/models/embeddings", operationId: "list_embedding_models_alias" },
  ];
}
