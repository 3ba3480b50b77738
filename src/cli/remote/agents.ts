import { createInterface } from "node:readline/promises";
import { CliError, defineCommand, defineGroup, table, UsageError } from "../command.js";
import { call, connect, findAgent, REMOTE_FLAGS } from "./connect.js";
import { DEFAULT_BLOCKS, serverDefaultEmbedding } from "./default-agent.js";

const list = defineCommand({
  name: "list",
  summary: "List the server's agents: id, name, model, tags, last activity.",
  flags: {
    ...REMOTE_FLAGS,
    search: { type: "string", placeholder: "text", description: "only agents whose name contains this" },
    tag: {
      type: "string",
      multiple: true,
      placeholder: "tag",
      description: "only agents with this tag (repeatable)",
    },
    json: { type: "boolean", description: "print the agents as JSON" },
  },
  async run({ flags }) {
    const { client } = await connect(flags);
    const agents = (
      await call("listing agents", () =>
        client.agents.list({ limit: 1000, query_text: flags.search, tags: flags.tag } as never),
      )
    ).getPaginatedItems();
    if (flags.json) {
      console.log(JSON.stringify(agents, null, 2));
      return 0;
    }
    if (agents.length === 0) {
      console.log("No agents. Create one with 'reverie agents create' or 'reverie chat'.");
      return 0;
    }
    const rows = agents.map(
      (agent) =>
        [
          agent.id,
          `${agent.name}  ${agent.model ?? agent.llm_config?.model ?? ""}${agent.tags.length ? `  [${agent.tags.join(", ")}]` : ""}  ${agent.last_run_completion ?? "never run"}`,
        ] as const,
    );
    console.log(table(rows));
    return 0;
  },
});

const create = defineCommand({
  name: "create",
  summary: "Create an agent with persona and human blocks; prints its id.",
  args: [{ name: "name", description: "the agent's name (default: one the server picks)", required: false }],
  flags: {
    ...REMOTE_FLAGS,
    model: {
      type: "string",
      placeholder: "handle",
      description: "model handle, e.g. openai/gpt-4o-mini (default: the server's)",
    },
    embedding: {
      type: "string",
      placeholder: "handle",
      description: "embedding model handle (default: the server's)",
    },
    tag: { type: "string", multiple: true, placeholder: "tag", description: "a tag (repeatable)" },
    persona: { type: "string", placeholder: "text", description: "the persona block's value" },
    human: { type: "string", placeholder: "text", description: "the human block's value" },
    sleeptime: { type: "boolean", description: "give it a sleep-time agent that consolidates its memory" },
  },
  async run({ flags, args: [name] }) {
    const { client } = await connect(flags);
    const embedding =
      flags.embedding ?? (await call("listing the embedding models", () => serverDefaultEmbedding(client)));
    const agent = await call("creating the agent", () =>
      client.agents.create({
        name,
        model: flags.model,
        embedding,
        tags: flags.tag ?? [],
        enable_sleeptime: flags.sleeptime,
        memory_blocks: [
          { label: "persona", value: flags.persona ?? DEFAULT_BLOCKS.persona },
          { label: "human", value: flags.human ?? DEFAULT_BLOCKS.human },
        ],
      } as never),
    );
    console.log(agent.id);
    console.error(`Created ${agent.name} (${agent.model ?? agent.llm_config?.model ?? "no model"}).`);
    return 0;
  },
});

const remove = defineCommand({
  name: "delete",
  summary: "Delete an agent and its memory (asks first unless --yes).",
  args: [{ name: "agent", description: "the agent's id, or its name when no other agent has it" }],
  flags: {
    ...REMOTE_FLAGS,
    yes: { type: "boolean", short: "y", description: "do not ask for confirmation" },
  },
  async run({ flags, args: [reference] }) {
    const { client } = await connect(flags);
    const agent = await findAgent(client, reference as string);
    if (!flags.yes) {
      if (!process.stdin.isTTY) throw new UsageError("not a terminal: pass --yes to delete without asking");
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await prompt.question(`Delete ${agent.name} (${agent.id}) and all its memory? [y/N] `);
      prompt.close();
      if (!/^y(es)?$/i.test(answer.trim())) throw new CliError("not deleted");
    }
    await call("deleting the agent", () => client.agents.delete(agent.id));
    console.error(`Deleted ${agent.name} (${agent.id}).`);
    return 0;
  },
});

/** `reverie agents list|create|delete`, against a running server. */
export const agentsCommand = defineGroup({
  name: "agents",
  summary: "List, create and delete agents on a running server.",
  description: "Talks to the server over HTTP (--url, --api-key), like any Letta client.",
  commands: [list, create, remove],
});
