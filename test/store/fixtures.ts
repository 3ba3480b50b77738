import { randomUUID } from "node:crypto";
import type {
  AgentRecord,
  Archive,
  Block,
  Conversation,
  Group,
  Identity,
  NewMessage,
  Passage,
  Run,
  Step,
  Tool,
} from "../../src/domain/index.js";

const BASE_TIME = Date.UTC(2025, 0, 1);

/**
 * Builders of valid entities for store tests. Each builder call takes the next tick of a fake clock
 * (one second apart), so rows created in sequence have strictly increasing `created_at`.
 */
export function createFixtures() {
  let tick = 0;
  const next = () => new Date(BASE_TIME + ++tick * 1000).toISOString();
  const id = (prefix: string) => `${prefix}-${randomUUID()}`;

  return {
    /** The timestamp `seconds` after the fixtures' epoch (for date filters). */
    at: (seconds: number) => new Date(BASE_TIME + seconds * 1000).toISOString(),
    /** The next tick of the fake clock. */
    now: next,

    agent(overrides: Partial<AgentRecord> = {}): AgentRecord {
      const time = next();
      return {
        id: id("agent"),
        name: `agent ${tick}`,
        agent_type: "letta_v1_agent",
        system: "You are a helpful agent.",
        description: null,
        model: "openai/gpt-4o-mini",
        model_settings: null,
        embedding: null,
        llm_config: { model: "gpt-4o-mini", model_endpoint_type: "openai", context_window: 128000 },
        embedding_config: null,
        compaction_settings: null,
        context_window_limit: null,
        tool_rules: [{ type: "exit_loop", tool_name: "send_message" }],
        tags: [],
        metadata: { owner: "tests" },
        message_ids: [],
        timezone: "UTC",
        max_files_open: null,
        per_file_view_window_char_limit: null,
        message_buffer_autoclear: false,
        enable_sleeptime: null,
        hidden: null,
        response_format: null,
        last_run_completion: null,
        last_run_duration_ms: null,
        last_stop_reason: null,
        project_id: null,
        template_id: null,
        base_template_id: null,
        created_by_id: null,
        last_updated_by_id: null,
        created_at: time,
        updated_at: time,
        ...overrides,
      };
    },

    block(overrides: Partial<Block> = {}): Block {
      const time = next();
      return {
        id: id("block"),
        label: "human",
        value: "The human's name is Ada.",
        limit: 5000,
        description: null,
        read_only: false,
        hidden: null,
        metadata: {},
        tags: [],
        is_template: false,
        template_name: null,
        project_id: null,
        created_by_id: null,
        last_updated_by_id: null,
        created_at: time,
        updated_at: time,
        ...overrides,
      };
    },

    tool(overrides: Partial<Tool> = {}): Tool {
      const time = next();
      const name = overrides.name ?? `tool_${tick}`;
      return {
        id: id("tool"),
        name,
        description: "Does a thing.",
        tool_type: "custom",
        source_type: "python",
        source_code: `def ${name}():\n    return 1`,
        json_schema: { name, description: "Does a thing.", parameters: { type: "object", properties: {} } },
        args_json_schema: null,
        tags: [],
        return_char_limit: 50000,
        default_requires_approval: null,
        enable_parallel_execution: false,
        pip_requirements: null,
        npm_requirements: null,
        metadata_: null,
        project_id: null,
        created_by_id: null,
        last_updated_by_id: null,
        created_at: time,
        updated_at: time,
        ...overrides,
      };
    },

    message(agentId: string, text: string, overrides: Partial<NewMessage> = {}): NewMessage {
      return {
        id: id("message"),
        agent_id: agentId,
        conversation_id: null,
        role: "user",
        content: [{ type: "text", text }],
        name: null,
        tool_calls: null,
        tool_call_id: null,
        tool_returns: null,
        approvals: null,
        otid: null,
        sender_id: null,
        group_id: null,
        run_id: null,
        step_id: null,
        model: null,
        is_err: null,
        created_at: next(),
        ...overrides,
      };
    },

    archive(overrides: Partial<Archive> = {}): Archive {
      const time = next();
      return {
        id: id("archive"),
        name: `archive ${tick}`,
        description: null,
        embedding_config: null,
        vector_db_provider: "native",
        metadata: null,
        created_by_id: null,
        last_updated_by_id: null,
        created_at: time,
        updated_at: time,
        ...overrides,
      };
    },

    passage(
      archiveId: string,
      text: string,
      embedding: number[] | null,
      overrides: Partial<Passage> = {},
    ): Passage {
      const time = overrides.created_at ?? next();
      return {
        id: id("passage"),
        text,
        archive_id: archiveId,
        source_id: null,
        file_id: null,
        file_name: null,
        tags: [],
        metadata: null,
        embedding,
        embedding_config:
          embedding === null
            ? null
            : { embedding_endpoint_type: "openai", embedding_model: "fake", embedding_dim: embedding.length },
        is_deleted: false,
        created_by_id: null,
        last_updated_by_id: null,
        created_at: time,
        updated_at: time,
        ...overrides,
      };
    },

    run(agentId: string, overrides: Partial<Run> = {}): Run {
      return {
        id: id("run"),
        agent_id: agentId,
        conversation_id: null,
        status: "created",
        stop_reason: null,
        background: false,
        run_type: "send_message",
        request_config: null,
        metadata: null,
        callback_url: null,
        created_at: next(),
        completed_at: null,
        total_duration_ns: null,
        ttft_ns: null,
        ...overrides,
      };
    },

    step(agentId: string, runId: string, overrides: Partial<Step> = {}): Step {
      return {
        id: id("step"),
        agent_id: agentId,
        run_id: runId,
        status: "success",
        model: "gpt-4o-mini",
        model_handle: "openai/gpt-4o-mini",
        model_endpoint: null,
        provider_name: "openai",
        provider_category: "base",
        context_window_limit: 128000,
        prompt_tokens: 100,
        completion_tokens: 20,
        total_tokens: 120,
        cached_input_tokens: null,
        cache_write_tokens: null,
        reasoning_tokens: null,
        stop_reason: "end_turn",
        error_type: null,
        error_data: null,
        feedback: null,
        tags: [],
        trace_id: null,
        created_at: next(),
        ...overrides,
      };
    },

    conversation(agentId: string, overrides: Partial<Conversation> = {}): Conversation {
      const time = next();
      return {
        id: id("conv"),
        agent_id: agentId,
        description: null,
        summary: null,
        archived: false,
        archived_at: null,
        hidden: false,
        model: null,
        model_settings: null,
        context_window_limit: null,
        in_context_message_ids: [],
        isolated_block_ids: [],
        last_message_at: null,
        created_by_id: null,
        last_updated_by_id: null,
        created_at: time,
        updated_at: time,
        ...overrides,
      };
    },

    identity(overrides: Partial<Identity> = {}): Identity {
      next();
      return {
        id: id("identity"),
        identifier_key: `user-${tick}`,
        name: `User ${tick}`,
        identity_type: "user",
        project_id: null,
        properties: [{ key: "tier", value: "gold", type: "string" }],
        agent_ids: [],
        block_ids: [],
        ...overrides,
      };
    },

    group(overrides: Partial<Group> = {}): Group {
      next();
      return {
        id: id("group"),
        manager_type: "sleeptime",
        agent_ids: [],
        description: "sleep-time pair",
        manager_agent_id: null,
        sleeptime_agent_frequency: 5,
        turns_counter: 0,
        last_processed_message_id: null,
        max_turns: null,
        termination_token: null,
        max_message_buffer_length: null,
        min_message_buffer_length: null,
        shared_block_ids: [],
        hidden: null,
        project_id: null,
        ...overrides,
      };
    },

    /** A fresh id with a prefix, for ids the store never saw. */
    id,
  };
}

export type Fixtures = ReturnType<typeof createFixtures>;

/** A unit vector along `axis` with a small component on the next axis, of `dim` dimensions. */
export function vectorNear(dim: number, axis: number, tilt = 0): number[] {
  const vector = new Array<number>(dim).fill(0);
  vector[axis % dim] = 1;
  vector[(axis + 1) % dim] = tilt;
  return vector;
}
