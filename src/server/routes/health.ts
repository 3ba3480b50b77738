import { HealthSchema } from "../../domain/index.js";
import type { ModelRegistry } from "../../llm/model-registry.js";
import type { ProviderHealth } from "../../llm/provider-health.js";
import { type AnyRoute, defineRoute } from "../route.js";

/**
 * `/v1/health/`: liveness, the versions clients check, and which providers answered their last probe
 * (cached: health never waits on a provider; none are listed when the app has no prober).
 */
export function healthRoutes(
  version: { letta: string; reverie: string },
  registry: ModelRegistry,
  providerHealth: ProviderHealth | undefined,
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
        provider_status: providerHealth?.snapshot() ?? [],
      }),
    }),
  ];
}
