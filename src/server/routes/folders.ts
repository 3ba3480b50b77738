import type { Context } from "hono";
import { z } from "zod";
import {
  AgentFilesPageSchema,
  AgentStateSchema,
  CreateSourceSchema,
  DeletedMessageSchema,
  FileMetadataSchema,
  ListAgentFilesQuerySchema,
  ListAgentFoldersQuerySchema,
  ListFilesQuerySchema,
  ListFolderAgentsQuerySchema,
  ListSourcesQuerySchema,
  NoFormFieldsSchema,
  RetrieveFileQuerySchema,
  ReverieError,
  SourceSchema,
  stripNul,
  UpdateSourceSchema,
  type UploadFileQuery,
  UploadFileQuerySchema,
} from "../../domain/index.js";
import type { Upload } from "../../runtime/files/folder-service.js";
import type { Services } from "../../runtime/services.js";
import { pageOf } from "../paging.js";
import { type AnyRoute, defineRoute } from "../route.js";

async function readUpload(c: Context, query: UploadFileQuery): Promise<Upload> {
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("multipart/form-data")) {
    throw new ReverieError(
      "unsupported_media_type",
      "Upload the file as multipart/form-data in the field 'file'",
    );
  }
  let form: Record<string, string | File>;
  try {
    form = (await c.req.parseBody()) as Record<string, string | File>;
  } catch (error) {
    throw new ReverieError("invalid_argument", `Invalid multipart body: ${(error as Error).message}`);
  }
  const file = form.file;
  if (file === undefined || typeof file === "string") {
    throw new ReverieError(
      "validation",
      "Invalid body: file: a file is required in the multipart field 'file'",
    );
  }
  return {
    fileName: stripNul(file.name),
    bytes: new Uint8Array(await file.arrayBuffer()),
    contentType: file.type || undefined,
    duplicateHandling: query.duplicate_handling,
    name: query.name,
  };
}

/** `/v1/folders/...` routes; `legacy` gives the same operations under `/v1/sources/` (Letta's old name). */
function folderRoutes(services: Services): AnyRoute[] {
  const { folders } = services;
  return [
    defineRoute({
      method: "get",
      path: "/v1/folders/count",
      operationId: "count_folders",
      summary: "Count folders",
      tag: "folders",
      response: z.number().int(),
      handle: () => folders.count(),
    }),
    defineRoute({
      method: "get",
      path: "/v1/folders/name/{folder_name}",
      operationId: "get_folder_by_name",
      summary: "The id of the folder with this name",
      tag: "folders",
      response: z.string(),
      handle: ({ params }) => folders.idByName(params.folder_name),
    }),
    defineRoute({
      method: "get",
      path: "/v1/folders/",
      operationId: "list_folders",
      summary: "List folders",
      tag: "folders",
      query: ListSourcesQuerySchema,
      response: z.array(SourceSchema),
      handle: ({ query }) => folders.list({ ...pageOf(query), name: query.name }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/folders/",
      operationId: "create_folder",
      summary: "Create a folder",
      tag: "folders",
      body: CreateSourceSchema,
      response: SourceSchema,
      handle: ({ body }) => folders.create(body),
    }),
    defineRoute({
      method: "get",
      path: "/v1/folders/{folder_id}",
      operationId: "retrieve_folder",
      summary: "Retrieve a folder",
      tag: "folders",
      response: SourceSchema,
      handle: ({ params }) => folders.get(params.folder_id),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/folders/{folder_id}",
      operationId: "modify_folder",
      summary: "Modify a folder",
      tag: "folders",
      body: UpdateSourceSchema,
      response: SourceSchema,
      handle: ({ params, body }) => folders.update(params.folder_id, body),
    }),
    defineRoute({
      method: "delete",
      path: "/v1/folders/{folder_id}",
      operationId: "delete_folder",
      summary: "Delete a folder with its files and passages",
      tag: "folders",
      response: z.null(),
      handle: async ({ params }) => {
        await folders.delete(params.folder_id);
        return null;
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/folders/{folder_id}/upload",
      operationId: "upload_file_to_folder",
      summary: "Upload a file (multipart field 'file'); it is parsed, chunked and embedded in the background",
      tag: "folders",
      multipart: { fields: NoFormFieldsSchema, files: ["file"] },
      query: UploadFileQuerySchema,
      response: FileMetadataSchema,
      handle: async ({ params, query, context }) =>
        folders.upload(params.folder_id, await readUpload(context, query)),
    }),
    defineRoute({
      method: "get",
      path: "/v1/folders/{folder_id}/agents",
      operationId: "get_agents_for_folder",
      summary: "Ids of the agents the folder is attached to",
      tag: "folders",
      query: ListFolderAgentsQuerySchema,
      response: z.array(z.string()),
      handle: ({ params, query }) => folders.listAgentIds(params.folder_id, pageOf(query)),
    }),
    defineRoute({
      method: "get",
      path: "/v1/folders/{folder_id}/files",
      operationId: "list_files_for_folder",
      summary: "List a folder's files with their processing status",
      tag: "folders",
      query: ListFilesQuerySchema,
      response: z.array(FileMetadataSchema),
      handle: ({ params, query }) =>
        folders.listFiles(params.folder_id, pageOf(query), query.include_content),
    }),
    defineRoute({
      method: "get",
      path: "/v1/folders/{folder_id}/files/{file_id}",
      operationId: "retrieve_file_from_folder",
      summary: "Retrieve a file's metadata (and its text with include_content)",
      tag: "folders",
      query: RetrieveFileQuerySchema,
      response: FileMetadataSchema,
      handle: ({ params, query }) => folders.getFile(params.folder_id, params.file_id, query.include_content),
    }),
    defineRoute({
      method: "delete",
      path: "/v1/folders/{folder_id}/{file_id}",
      operationId: "delete_file_from_folder",
      summary: "Delete a file with its passages",
      tag: "folders",
      response: z.null(),
      handle: async ({ params }) => {
        await folders.deleteFile(params.folder_id, params.file_id);
        return null;
      },
    }),
  ];
}

/** Agents' folders and open files: `/v1/agents/{agent_id}/folders|sources|files`. */
function agentFolderRoutes(services: Services): AnyRoute[] {
  const { folders } = services;
  return [
    defineRoute({
      method: "get",
      path: "/v1/agents/{agent_id}/folders",
      operationId: "list_agent_folders",
      summary: "List the folders attached to an agent",
      tag: "agents",
      query: ListAgentFoldersQuerySchema,
      response: z.array(SourceSchema),
      handle: ({ params, query }) => folders.listForAgent(params.agent_id, pageOf(query)),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/agents/{agent_id}/folders/attach/{folder_id}",
      operationId: "attach_folder_to_agent",
      summary: "Attach a folder: its files open in the agent's context and the file tools are attached",
      tag: "agents",
      response: AgentStateSchema,
      handle: ({ params }) => folders.attach(params.agent_id, params.folder_id),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/agents/{agent_id}/folders/detach/{folder_id}",
      operationId: "detach_folder_from_agent",
      summary: "Detach a folder (the file tools go with the last one)",
      tag: "agents",
      response: AgentStateSchema,
      handle: ({ params }) => folders.detach(params.agent_id, params.folder_id),
    }),
    defineRoute({
      method: "get",
      path: "/v1/agents/{agent_id}/files",
      operationId: "list_agent_files",
      summary: "List the files an agent sees, open or closed",
      tag: "agents",
      query: ListAgentFilesQuerySchema,
      response: AgentFilesPageSchema,
      handle: ({ params, query }) =>
        folders.agentFiles(params.agent_id, {
          is_open: query.is_open,
          after: query.cursor ?? query.after,
          limit: query.limit,
        }),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/agents/{agent_id}/files/close-all",
      operationId: "close_all_files_for_agent",
      summary: "Close every open file of an agent; returns their names",
      tag: "agents",
      response: z.array(z.string()),
      handle: ({ params }) => folders.closeAll(params.agent_id),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/agents/{agent_id}/files/{file_id}/open",
      operationId: "open_file_for_agent",
      summary: "Open a file in an agent's context; returns the names of files closed to make room",
      tag: "agents",
      response: z.array(z.string()),
      handle: ({ params }) => folders.openFile(params.agent_id, params.file_id),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/agents/{agent_id}/files/{file_id}/close",
      operationId: "close_file_for_agent",
      summary: "Close a file in an agent's context",
      tag: "agents",
      response: DeletedMessageSchema,
      handle: ({ params }) => folders.closeFile(params.agent_id, params.file_id),
    }),
  ];
}

/**
 * The same routes under Letta's legacy names: `/v1/sources/...` for `/v1/folders/...` (path parameter
 * `source_id`), and `/v1/agents/{agent_id}/sources...` for `.../folders...`.
 */
function legacySourceRoutes(routes: readonly AnyRoute[]): AnyRoute[] {
  return routes.flatMap((route): AnyRoute[] => {
    const path = route.path
      .replace("/v1/folders/", "/v1/sources/")
      .replace("/folders/attach/{folder_id}", "/sources/attach/{source_id}")
      .replace("/folders/detach/{folder_id}", "/sources/detach/{source_id}")
      .replace(/\/v1\/agents\/\{agent_id\}\/folders$/, "/v1/agents/{agent_id}/sources")
      .replace("{folder_id}", "{source_id}")
      .replace("{folder_name}", "{source_name}");
    if (path === route.path) return [];
    return [
      {
        ...route,
        path,
        operationId: route.operationId.replace("folders", "sources").replace("folder", "source"),
        tag: route.tag === "folders" ? "sources" : route.tag,
        handle: (input) => {
          const params = { ...input.params } as Record<string, string>;
          if (params.source_id !== undefined) params.folder_id = params.source_id;
          if (params.source_name !== undefined) params.folder_name = params.source_name;
          return route.handle({ ...input, params });
        },
      },
    ];
  });
}

/** Every folder, file and agent-file route, with the legacy `/sources` aliases. */
export function folderAndFileRoutes(services: Services): AnyRoute[] {
  const routes = [...folderRoutes(services), ...agentFolderRoutes(services)];
  return [...routes, ...legacySourceRoutes(routes)];
}
