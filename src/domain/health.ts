import { z } from "zod";

/** `GET /v1/health/`: liveness, the versions clients check, and the configured providers. */
export const HealthSchema = z.object({
  status: z.string(),
  version: z.string().describe("The Letta API version served (clients compare it)"),
  reverie_version: z.string(),
  providers: z.array(z.string()).describe("Configured model providers"),
});
export type Health = z.output<typeof HealthSchema>;
