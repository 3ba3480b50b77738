import type { ApiKey } from "../domain/api-key.js";
import type { ApiKeyService } from "../server/auth/api-keys.js";
import type { Store } from "../store/store.js";
import { CliError, defineCommand, defineGroup, UsageError } from "./command.js";

const KEYS_ENVIRONMENT = `Works on the local database, like \`reverie import\`: REVERIE_HOME or REVERIE_DATABASE_URL
(it may run beside a running server, which picks new and revoked keys up at once).
Once any key exists, every API request needs \`Authorization: Bearer <key>\`.`;

/** Runs `work` with the key service over the local store, closing the store whatever happens. */
async function withLocalKeys<T>(work: (keys: ApiKeyService, store: Store) => Promise<T>): Promise<T> {
  const [{ databaseUrlFromEnv, openStore }, { createApiKeyService }] = await Promise.all([
    import("../store/open-store.js"),
    import("../server/auth/api-keys.js"),
  ]);
  const store = await openStore(databaseUrlFromEnv(process.env));
  try {
    return await work(createApiKeyService({ store }), store);
  } finally {
    await store.close();
  }
}

const DURATION = /^(\d+)([dhm])$/;
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;

/** `--expires`: a duration from now (`30d`, `12h`, `45m`) or an ISO-8601 date in the future. */
export function parseExpiry(text: string, now: Date): string {
  const duration = DURATION.exec(text);
  if (duration) {
    const amount = Number(duration[1]);
    if (amount === 0) throw new UsageError(`--expires must be in the future, got '${text}'`);
    return new Date(now.getTime() + amount * UNIT_MS[duration[2] as keyof typeof UNIT_MS]).toISOString();
  }
  const time = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new UsageError(
      `--expires takes a duration (30d, 12h, 45m) or an ISO date (2027-01-31), got '${text}'`,
    );
  }
  if (time <= now.getTime()) throw new UsageError(`--expires must be in the future, got '${text}'`);
  return new Date(time).toISOString();
}

const createCommand = defineCommand({
  name: "create",
  summary: "Create an API key and print it (shown only this once).",
  description: KEYS_ENVIRONMENT,
  flags: {
    name: { type: "string", description: "what the key is for (default: 'default')" },
    admin: {
      type: "boolean",
      description: "an admin key: may also manage organizations and keys (/v1/admin)",
    },
    expires: {
      type: "string",
      placeholder: "when",
      description: "refuse the key from then on: a duration (30d, 12h, 45m) or an ISO date",
    },
    organization: {
      type: "string",
      placeholder: "org-id",
      description: "the organization the key works in (default: the default organization)",
    },
    json: { type: "boolean", description: "print the key and its details as JSON" },
  },
  async run({ flags }) {
    const name = flags.name ?? "default";
    if (name.trim() === "") throw new UsageError("--name may not be empty");
    const expiresAt = flags.expires === undefined ? null : parseExpiry(flags.expires, new Date());
    const created = await withLocalKeys(async (keys, store) => {
      if (flags.organization !== undefined && !(await store.organizations.get(flags.organization))) {
        throw new CliError(
          `no organization '${flags.organization}' (list them with GET /v1/admin/organizations)`,
        );
      }
      return keys.create({
        name,
        organization_id: flags.organization,
        is_admin: flags.admin === true,
        expires_at: expiresAt,
      });
    });
    if (flags.json === true) {
      console.log(JSON.stringify(created, null, 2));
      return 0;
    }
    console.log(created.key);
    console.error(
      `Created ${created.is_admin ? "admin " : ""}key ${created.id} '${created.name}' ` +
        `(organization ${created.organization_id}${created.expires_at ? `, expires ${created.expires_at}` : ""}).\n` +
        "Store it now: it is not shown again. Clients send it as Authorization: Bearer <key> " +
        "(LETTA_API_KEY for letta-code and `reverie chat`).",
    );
    return 0;
  },
});

const listCommand = defineCommand({
  name: "list",
  summary: "List the API keys (name and prefix, never the key).",
  description: KEYS_ENVIRONMENT,
  flags: {
    organization: { type: "string", placeholder: "org-id", description: "only this organization's keys" },
    json: { type: "boolean", description: "print JSON instead of a table" },
  },
  async run({ flags }) {
    const listed = await withLocalKeys((keys) => keys.list({ organization_id: flags.organization }));
    if (flags.json === true) {
      console.log(JSON.stringify(listed, null, 2));
      return 0;
    }
    if (listed.length === 0) {
      console.log("No API keys: the server is open on loopback only. Create one with `reverie keys create`.");
      return 0;
    }
    const rows = listed.map((key) => [
      key.id,
      key.name,
      `${key.prefix}…`,
      key.is_admin ? "admin" : "",
      status(key, new Date()),
      key.organization_id,
      key.last_used_at ?? "never used",
    ]);
    printTable(["id", "name", "prefix", "role", "status", "organization", "last used"], rows);
    return 0;
  },
});

const revokeCommand = defineCommand({
  name: "revoke",
  summary: "Revoke an API key: requests with it get 401 from now on.",
  description: KEYS_ENVIRONMENT,
  args: [{ name: "key", description: "the key's id, or its prefix as `reverie keys list` shows it" }],
  flags: {},
  async run({ args: [reference] }) {
    const revoked = await withLocalKeys(async (keys) => {
      const wanted = (reference as string).replace(/…$/, "");
      const byId = await keys.get(wanted);
      const matches = byId ? [byId] : (await keys.list()).filter((key) => key.prefix === wanted);
      if (matches.length === 0) throw new CliError(`no API key with id or prefix '${wanted}'`);
      if (matches.length > 1)
        throw new CliError(`several keys have the prefix '${wanted}': give the key's id`);
      return keys.revoke((matches[0] as ApiKey).id);
    });
    console.log(`Revoked ${revoked?.id} '${revoked?.name}' at ${revoked?.revoked_at}.`);
    return 0;
  },
});

/** `reverie keys create|list|revoke`: API keys of the local database. */
export const keysCommand = defineGroup({
  name: "keys",
  summary: "Manage API keys: create (shown once), list, revoke.",
  description: KEYS_ENVIRONMENT,
  commands: [createCommand, listCommand, revokeCommand],
});

function status(key: ApiKey, now: Date): string {
  if (key.revoked_at !== null) return "revoked";
  if (key.expires_at !== null && Date.parse(key.expires_at) <= now.getTime()) return "expired";
  return key.expires_at === null ? "active" : `active until ${key.expires_at}`;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}
