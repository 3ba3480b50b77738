import { z } from "zod";
import type { ModelRegistry } from "../../llm/model-registry.js";
import { type AnyRoute, defineRoute } from "../route.js";

export const HealthSchema = z.object({
  status: z.string(),
  version: z.string().describe("The Letta API version served (clients compare it)"),
  reverie_version: z.string(),
  providers: z.array(z.string()).describe("Configured model providers"),
});

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
