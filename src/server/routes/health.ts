import { HealthSchema } from "../../domain/index.js";
import type { ModelRegistry } from "../../llm/model-registry.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** `/v1/health/`: liveness, and the versions clients check. */
export function healthRoutes(
  version: { letta: string; reverie: string },
  registry: ModelRegistry,
): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: "/v1/health/",
      operationId: "check_health",
      summary: "Check health",
      tag: "health",
      response: HealthSchema,
      handle: () => ({
        status: "ok",
        version: version.letta,
        reverie_version: version.reverie,
        providers: registry.configuredProviders(),
      }),
    }),
  ];
}
