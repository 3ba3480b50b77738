import { z } from "zod";
import { TimestampSchema } from "./common.js";
import { pageQuerySchema } from "./query-params.js";

/** A tenant: every API key and every stored object belongs to one organization (Letta's shape). */
export const OrganizationSchema = z.object({
  id: z.string(),
  name: z.string(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
});
export type Organization = z.infer<typeof OrganizationSchema>;

/** `POST /v1/admin/organizations`. */
export const CreateOrganizationRequestSchema = z.object({
  name: z.string().trim().min(1, "name must not be empty").max(200).describe("The organization's name"),
});

/** `GET /v1/admin/organizations/` query. */
export const ListOrganizationsQuerySchema = pageQuerySchema({ order: "asc", limit: 100 });
