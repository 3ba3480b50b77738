import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RecordedRequest } from "../fake-llm/index.js";
import { type Conformance, createAgent, startConformance, waitFor } from "./harness.js";

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are asserted field by field.
type Json = any;

const completions = (ctx: Conformance) =>
  ctx.openai.requests.filter((request) => request.endpoint === "completion");

function systemPrompt(request: RecordedRequest | undefined): string {
  const body = request?.body as { messages: Array<{ role: string; content: unknown }> } | undefined;
  const system = body?.messages.find((message) => message.role === "system");
  return typeof system?.content === "string" ? system.content : "";
}

const SCHEMA = {
  type: "object",
  properties: { mood: { type: "string" }, score: { type: "integer" } },
  required: ["mood", "score"],
  additionalProperties: false,
};

// What an agent runs with, as Letta's clients read and set it: model settings, a response format,
// the client's skills, and embeddings that are optional.
describe("conformance: model settings, skills and embeddings", () => {
  let ctx: Conformance;

  beforeAll(async () => {
    ctx = await startConformance();
  });
  afterAll(async () => {
    await ctx?.close();
  });
  beforeEach(() => {
    ctx.openai.reset();
  });

  it("derives model_settings from the model's config, whatever the create sent", async () => {
    const plain = await createAgent(ctx.client);
    expect(plain.model_settings).toEqual({
      provider_type: "openai",
      max_output_tokens: 4096,
      parallel_tool_calls: false,
      temperature: 0.7,
      reasoning: { reasoning_effort: "minimal" },
      response_format: null,
    });
    const tuned = await createAgent(ctx.client, {
      model_settings: {
        provider_type: "openai",
        max_output_tokens: 2048,
        temperature: 0.2,
        parallel_tool_calls: true,
        reasoning: { reasoning_effort: "low" },
      },
    });
    expect(tuned.model_settings).toMatchObject({
      max_output_tokens: 2048,
      temperature: 0.2,
      parallel_tool_calls: true,
      reasoning: { reasoning_effort: "low" },
    });
    expect(tuned.llm_config).toMatchObject({ max_tokens: 2048, temperature: 0.2, parallel_tool_calls: true });
    const updated = await ctx.client.agents.update(plain.id, {
      model_settings: { max_output_tokens: 1000 },
    } as Json);
    expect(updated.model_settings).toMatchObject({ max_output_tokens: 1000, temperature: 0.7 });
    expect((await ctx.client.agents.retrieve(plain.id)).model_settings).toEqual(updated.model_settings);
  });

  it("sends the agent's response_format (a JSON schema) to the provider", async () => {
    const format = { type: "json_schema", json_schema: { name: "mood", schema: SCHEMA, strict: true } };
    const agent = await createAgent(ctx.client, { response_format: format });
    expect(agent.response_format).toEqual(format);
    expect((agent.model_settings as Json)?.response_format).toEqual(format);
    ctx.openai.script.push({ text: '{"mood":"calm","score":3}' });
    await ctx.client.agents.messages.create(agent.id, { messages: [{ role: "user", content: "how?" }] });
    const body = completions(ctx)[0]?.body as Json;
    expect(body.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "mood", schema: SCHEMA, strict: true },
    });

    // Set through model_settings, and cleared: then no response format is sent.
    const other = await createAgent(ctx.client, {
      model_settings: { provider_type: "openai", response_format: { type: "json_object" } },
    });
    expect(other.response_format).toEqual({ type: "json_object" });
    ctx.openai.script.push({ text: "{}" }, { text: "free text" });
    await ctx.client.agents.messages.create(other.id, { messages: [{ role: "user", content: "json" }] });
    expect((completions(ctx)[1]!.body as Json).response_format).toEqual({ type: "json_object" });
    await ctx.client.agents.update(other.id, { response_format: null } as Json);
    await ctx.client.agents.messages.create(other.id, { messages: [{ role: "user", content: "text" }] });
    expect((completions(ctx)[2]!.body as Json).response_format).toBeUndefined();
  });

  it("lists the client's skills at the end of the request's system prompt, never in the stored one", async () => {
    const agent = await createAgent(ctx.client);
    const skills = [
      {
        name: "pdf",
        description: "Read and fill PDF forms",
        location: "/home/me/.letta/skills/pdf/SKILL.md",
      },
      {
        name: "commit",
        description: "Write commit messages\nMore text",
        location: "/home/me/.letta/skills/commit/SKILL.md",
      },
      { name: "deploy", description: "Deploy the site", location: "/work/site/.skills/deploy.md" },
    ];
    ctx.openai.script.push({ text: "one" }, { text: "two" });
    await ctx.client.agents.messages.create(agent.id, {
      messages: [{ role: "user", content: "what can you do?" }],
      client_skills: skills,
    } as Json);
    const prompt = systemPrompt(completions(ctx)[0]);
    expect(prompt).toMatch(
      /\n\n<available_skills>\n\/home\/me\/\.letta\/skills\n├── commit\/\n│ {3}└── SKILL\.md \(Write commit messages\)\n└── pdf\/\n {4}└── SKILL\.md \(Read and fill PDF forms\)\n\n\/work\/site\/\.skills\n└── deploy\.md \(Deploy the site\)\n<\/available_skills>$/,
    );
    // The next request without skills has none, and the stored system message never had them.
    await ctx.client.agents.messages.create(agent.id, { messages: [{ role: "user", content: "again" }] });
    expect(systemPrompt(completions(ctx)[1])).not.toContain("<available_skills>");
    const context = await ctx.client.get<Json>(`/v1/agents/${agent.id}/context`);
    expect(context.system_prompt).not.toContain("available_skills");
  });

  it("creates agents without an embedding model, searches them by text, and embeds when one is attached", async () => {
    const agent = await createAgent(ctx.client);
    expect(agent.embedding_config).toBeNull();
    await ctx.client.agents.passages.create(agent.id, {
      text: "The lighthouse keeper feeds the gulls at dawn.",
    });
    const byWords = (await ctx.client.agents.passages.search(agent.id, {
      query: "lighthouse gulls",
    })) as Json;
    expect(byWords.search_mode).toBe("text");
    expect(byWords.search_note).toMatch(/no embedding model/);
    expect(byWords.results).toHaveLength(1);
    expect(ctx.openai.requests.filter((request) => request.endpoint === "embedding")).toHaveLength(0);

    // Attaching a model later embeds what exists (the re-embedding job), then searches by meaning too.
    const updated = await ctx.client.agents.update(agent.id, { embedding: "openai/text-embedding-3-small" });
    expect(updated.embedding_config?.embedding_model).toBe("text-embedding-3-small");
    const hybrid = await waitFor(async () => {
      const result = (await ctx.client.agents.passages.search(agent.id, {
        query: "seabirds at sunrise",
      })) as Json;
      return result.search_mode === "hybrid" && result.results[0]?.vector_rank != null ? result : undefined;
    });
    expect(hybrid.results[0].content ?? hybrid.results[0].text).toContain("lighthouse keeper");
    expect(ctx.openai.requests.filter((request) => request.endpoint === "embedding").length).toBeGreaterThan(
      0,
    );
  });
});
