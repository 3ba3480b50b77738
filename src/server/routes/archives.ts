import { z } from "zod";
import {
  AgentStateSchema,
  ArchiveSchema,
  CreateArchiveSchema,
  CreatedPassageSchema,
  ListArchiveAgentsQuerySchema,
  ListArchivesQuerySchema,
  PassageBatchCreateSchema,
  PassageCreateSchema,
  PassageSchema,
  UpdateArchiveSchema,
} from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { pageOf } from "../paging.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** `/v1/archives/`: archives, their passages, the agents they serve. */
export function archiveRoutes(services: Services): AnyRoute[] {
  const { archives } = services;
  return [
    defineRoute({
      method: "post",
      path: "/v1/archives/",
      operationId: "create_archive",
      summary: "Create an archive",
      tag: "archives",
      body: CreateArchiveSchema,
      response: ArchiveSchema,
      handle: ({ body }) => archives.create(body),
    }),
    defineRoute({
      method: "get",
      path: "/v1/archives/",
      operationId: "list_archives",
      summary: "List archives",
      tag: "archives",
      query: ListArchivesQuerySchema,
      response: z.array(ArchiveSchema),
      handle: ({ query }) => archives.list({ ...pageOf(query), name: query.name, agent_id: query.agent_id }),
    }),
    defineRoute({
      method: "get",
      path: "/v1/archives/{archive_id}",
      operationId: "retrieve_archive",
      summary: "Retrieve an archive",
      tag: "archives",
      response: ArchiveSchema,
      handle: ({ params }) => archives.get(params.archive_id),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/archives/{archive_id}",
      operationId: "modify_archive",
      summary: "Rename or describe an archive",
      tag: "archives",
      body: UpdateArchiveSchema,
      response: ArchiveSchema,
      handle: ({ params, body }) => archives.update(params.archive_id, body),
    }),
    defineRoute({
      method: "delete",
      path: "/v1/archives/{archive_id}",
      operationId: "delete_archive",
      summary: "Delete an archive and its passages",
      tag: "archives",
      response: z.null(),
      handle: async ({ params }) => {
        await archives.delete(params.archive_id);
        return null;
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/archives/{archive_id}/agents",
      operationId: "list_agents_for_archive",
      summary: "List the agents an archive is attached to",
      tag: "archives",
      query: ListArchiveAgentsQuerySchema,
      response: z.array(AgentStateSchema),
      handle: ({ params, query }) => archives.listAgents(params.archive_id, pageOf(query)),
    }),
    defineRoute({
      method: "post",
      path: "/v1/archives/{archive_id}/passages",
      operationId: "create_passage_in_archive",
      summary: "Add a passage to an archive (long text is chunked)",
      tag: "archives",
      body: PassageCreateSchema,
      response: CreatedPassageSchema,
      handle: async ({ params, body }) => {
        const created = await archives.createPassages(params.archive_id, [body]);
        return {
          ...created[0]!,
          passage_count: created.length,
          passage_ids: created.map((passage) => passage.id),
        };
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/archives/{archive_id}/passages/batch",
      operationId: "create_passages_in_archive",
      summary: "Add several passages to an archive in one transaction (long texts are chunked)",
      tag: "archives",
      body: PassageBatchCreateSchema,
      response: z.array(PassageSchema),
      handle: ({ params, body }) => archives.createPassages(params.archive_id, body.passages),
    }),
    defineRoute({
      method: "delete",
      path: "/v1/archives/{archive_id}/passages/{passage_id}",
      operationId: "delete_passage_from_archive",
      summary: "Delete a passage of an archive",
      tag: "archives",
      response: z.null(),
      handle: async ({ params }) => {
        await archives.deletePassage(params.archive_id, params.passage_id);
        return null;
      },
    }),
    defineRoute({
      method: "patch",
      path: "/v1/agents/{agent_id}/archives/attach/{archive_id}",
      operationId: "attach_archive_to_agent",
      summary: "Attach an archive to an agent (an archive can serve several agents)",
      tag: "agents",
      response: z.null(),
      handle: async ({ params }) => {
        await archives.attach(params.agent_id, params.archive_id);
        return null;
      },
    }),
    defineRoute({
      method: "patch",
      path: "/v1/agents/{agent_id}/archives/detach/{archive_id}",
      operationId: "detach_archive_from_agent",
      summary: "Detach an archive from an agent (the archive and its passages stay)",
      tag: "agents",
      response: z.null(),
      handle: async ({ params }) => {
        await archives.detach(params.agent_id, params.archive_id);
        return null;
      },
    }),
  ];
}
