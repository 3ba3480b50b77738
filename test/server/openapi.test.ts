import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRoutes } from "../../src/server/app.js";
import { createTestApp, type TestApp } from "./test-app.js";

describe("GET /openapi.json", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it("describes every served route, generated from the validation schemas", async () => {
    const response = await t.call("GET", "/openapi.json");
    expect(response.status).toBe(200);
    const document = response.body;
    expect(document.openapi).toBe("3.1.0");
    expect(document.info["x-letta-api-version"]).toBe("0.16.8");

    const served = appRoutes({ ...t, version: { letta: "0.16.8", reverie: "0.0.0-test" } }).map(
      (route) => `${route.method} ${route.path}`,
    );
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual(served.sort());
    expect(documented).toEqual(
      expect.arrayContaining([
        "get /v1/health/",
        "post /v1/agents/",
        "patch /v1/agents/{agent_id}",
        "patch /v1/agents/{agent_id}/core-memory/blocks/attach/{block_id}",
        "get /v1/blocks/{block_id}/agents",
        "get /v1/models/",
        "get /v1/tags/",
      ]),
    );

    const create = document.paths["/v1/agents/"].post;
    expect(create.requestBody.content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/CreateAgent",
    });
    expect(create.responses["200"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/AgentState",
    });
    const createAgent = document.components.schemas.CreateAgent;
    expect(createAgent.properties.memory_blocks).toBeDefined();
    expect(JSON.stringify(createAgent.properties.memory_blocks)).toContain(
      "#/components/schemas/CreateBlock",
    );
    expect(document.components.schemas.AgentState.required).toEqual(
      expect.arrayContaining(["id", "llm_config", "memory"]),
    );

    // Uploads document their form: the file as binary, the options as text fields.
    const imported = document.paths["/v1/agents/import"].post.requestBody.content["multipart/form-data"];
    expect(imported.schema.properties.file).toEqual({ type: "string", format: "binary" });
    expect(imported.schema.required).toContain("file");
    expect(imported.schema.properties.override_existing_tools).toBeDefined();
    const upload = document.paths["/v1/folders/{folder_id}/upload"].post.requestBody;
    expect(upload.content["multipart/form-data"].schema.properties.file.format).toBe("binary");

    const list = document.paths["/v1/agents/"].get;
    const parameters = Object.fromEntries(
      list.parameters.map((parameter: { name: string }) => [parameter.name, parameter]),
    );
    expect(parameters.limit.schema.default).toBe(50);
    expect(parameters.order.schema.default).toBe("desc");
    expect(parameters.tags).toMatchObject({
      in: "query",
      style: "form",
      explode: true,
      schema: { type: "array" },
    });
    expect(
      document.paths["/v1/blocks/"].get.parameters.find((p: { name: string }) => p.name === "order").schema
        .default,
    ).toBe("asc");
    const retrieve = document.paths["/v1/agents/{agent_id}"].get;
    expect(retrieve.parameters[0]).toMatchObject({ name: "agent_id", in: "path", required: true });
  });
});
