import { z } from "zod";

/** What the last probe of one configured model provider found. */
export const ProviderProbeSchema = z.object({
  name: z
    .string()
    .describe("The provider's handle prefix (`openai`, `anthropic`, a compatible endpoint's name)"),
  status: z
    .enum(["ok", "error", "unreachable", "pending"])
    .describe(
      "ok: answered its model list; error: answered with an error status (a wrong key gives 401); unreachable: no answer within the timeout; pending: not probed yet",
    ),
  http_status: z.number().int().nullable(),
  latency_ms: z.number().int().nullable(),
  checked_at: z.string().nullable().describe("When the probe ran (ISO 8601)"),
  detail: z.string().nullable(),
});
export type ProviderProbe = z.output<typeof ProviderProbeSchema>;

/** `GET /v1/health/`: liveness, the versions clients check, and the configured providers. */
export const HealthSchema = z.object({
  status: z.string(),
  version: z.string().describe("The Letta API version served (clients compare it)"),
  reverie_version: z.string(),
  providers: z.array(z.string()).describe("Configured model providers"),
  provider_status: z
    .array(ProviderProbeSchema)
    .describe(
      "Whether each configured provider answered a probe; results are cached and refreshed in the background, so health never waits on a provider",
    ),
});
export type Health = z.output<typeof HealthSchema>;
