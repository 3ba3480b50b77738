import { type AgentEnvironmentVariable, ReverieError } from "../../domain/index.js";
import type { NewAgentSecret, Store } from "../../store/store.js";
import type { SecretBox } from "./secret-box.js";

/**
 * What the API shows in place of a secret's value. Sending it back unchanged in a modify keeps the stored
 * value, so a client that reads an agent and writes it back does not wipe its secrets.
 */
export const SECRET_MASK = "********";

/** Environment variable names: the sandbox hands secrets to tool code as its environment. */
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_SECRETS = 256;
const MAX_NAME_LENGTH = 256;
const MAX_VALUE_BYTES = 64 * 1024;

/**
 * The secrets a create or modify sends, or undefined when it sends none (a modify then keeps the set).
 * `secrets` is Letta's name; the deprecated `tool_exec_environment_variables` is merged under it.
 */
export function requestedSecrets(input: {
  secrets?: Record<string, string> | null | undefined;
  tool_exec_environment_variables?: Record<string, string> | null | undefined;
}): Record<string, string> | undefined {
  if (input.secrets == null && input.tool_exec_environment_variables == null) return undefined;
  return { ...(input.tool_exec_environment_variables ?? {}), ...(input.secrets ?? {}) };
}

/** Checks names and sizes before anything is written; a 422 names the first problem. */
export function validateSecrets(values: Record<string, string>): void {
  const entries = Object.entries(values);
  if (entries.length > MAX_SECRETS) {
    throw new ReverieError("validation", `Invalid body: secrets: at most ${MAX_SECRETS} per agent`);
  }
  for (const [key, value] of entries) {
    if (key.length > MAX_NAME_LENGTH || !SECRET_NAME.test(key)) {
      throw new ReverieError(
        "validation",
        `Invalid body: secrets: '${key.slice(0, 64)}' is not a valid name: use letters, digits and _, not starting with a digit (it becomes an environment variable of the agent's tools)`,
      );
    }
    if (typeof value !== "string") {
      throw new ReverieError("validation", `Invalid body: secrets: the value of ${key} must be a string`);
    }
    if (Buffer.byteLength(value, "utf8") > MAX_VALUE_BYTES) {
      throw new ReverieError(
        "validation",
        `Invalid body: secrets: the value of ${key} is longer than ${MAX_VALUE_BYTES} bytes`,
      );
    }
  }
}

/**
 * Replaces the agent's secrets with `values` (Letta's modify: the set given is the set kept), sealing each
 * value with `box`. A value equal to {@link SECRET_MASK} keeps the stored value of that key.
 */
export async function replaceAgentSecrets(
  store: Store,
  box: SecretBox,
  agentId: string,
  values: Record<string, string>,
): Promise<void> {
  validateSecrets(values);
  const current = new Map((await store.agentSecrets.list(agentId)).map((secret) => [secret.key, secret]));
  const rows: NewAgentSecret[] = Object.entries(values).map(([key, value]) => {
    const kept = current.get(key);
    if (value === SECRET_MASK && kept !== undefined) {
      return { key, value_enc: kept.value_enc, description: kept.description };
    }
    return { key, value_enc: box.seal(value), description: kept?.description ?? null };
  });
  await store.agentSecrets.replace(agentId, rows);
}

/** The agent's secrets as the API shows them: names and metadata, every value masked. */
export async function maskedAgentSecrets(store: Store, agentId: string): Promise<AgentEnvironmentVariable[]> {
  return (await store.agentSecrets.list(agentId)).map((secret) => ({
    id: secret.id,
    key: secret.key,
    value: SECRET_MASK,
    description: secret.description,
    agent_id: secret.agent_id,
    created_at: secret.created_at,
    updated_at: secret.updated_at,
  }));
}

/** The names of the agent's secrets (an Agent File names them with blank values). */
export async function agentSecretNames(store: Store, agentId: string): Promise<string[]> {
  return (await store.agentSecrets.list(agentId)).map((secret) => secret.key);
}

/**
 * The port the tool sandbox reads an agent's secrets through, in clear: the only reader of clear values.
 * Scoped like every store call: an agent of another organization has none.
 */
export type AgentSecretsPort = (agentId: string) => Promise<Record<string, string>>;

/** Builds the {@link AgentSecretsPort} over the store and the server's SecretBox. */
export function createAgentSecretsPort(deps: { store: Store; secretBox: SecretBox }): AgentSecretsPort {
  return async (agentId) => {
    const secrets = await deps.store.agentSecrets.list(agentId);
    return Object.fromEntries(secrets.map((secret) => [secret.key, deps.secretBox.open(secret.value_enc)]));
  };
}
