import type { PostgresMigration } from "./migrations.js";

/**
 * Agents' secrets (Letta's `secrets`, alias `tool_exec_environment_variables`): one row per variable,
 * the value sealed by the runtime (AES-256-GCM envelope, never clear text in the database).
 */
export const AGENT_SECRETS_MIGRATION: PostgresMigration = {
  name: "0040_agent_secrets",
  statements: [
    `CREATE TABLE agent_secrets (
      id TEXT PRIMARY KEY,
      organization_id TEXT NOT NULL,
      agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
      key TEXT NOT NULL,
      value_enc TEXT NOT NULL,
      description TEXT,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      UNIQUE (agent_id, key)
    )`,
  ],
};

/**
 * Organizations' own model providers (Letta's BYOK providers); the API key is a sealed envelope. A name
 * is unique in its organization (it is the handle prefix of the provider's models).
 */
export const PROVIDERS_MIGRATION: PostgresMigration = {
  name: "0041_providers",
  statements: [
    `CREATE TABLE providers (
      id TEXT PRIMARY KEY,
      organization_id TEXT NOT NULL,
      name TEXT NOT NULL,
      provider_type TEXT NOT NULL,
      api_key_enc TEXT,
      base_url TEXT,
      access_key_enc TEXT,
      region TEXT,
      api_version TEXT,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      UNIQUE (organization_id, name)
    )`,
  ],
};
