import { sql } from "kysely";
import { notFound } from "../../domain/index.js";
import type { AgentSecretRepository, SealedAgentSecret, SealedValueRepository } from "../store.js";
import { currentOrganization } from "../tenancy.js";
import { sealedColumns } from "./sealed-columns.js";
import { nowIso, type SqlContext } from "./sql-context.js";
import { withTransaction } from "./with-transaction.js";

/** Agents' secrets: rows of `agent_secrets`, scoped by organization, values sealed by the caller. */
export function createAgentSecretRepository(context: SqlContext): AgentSecretRepository {
  const { db, dialect } = context;
  return {
    async list(agentId) {
      const rows = await db
        .selectFrom("agent_secrets")
        .selectAll()
        .where("agent_id", "=", agentId)
        .where("organization_id", "=", currentOrganization())
        .orderBy("key")
        .execute();
      return rows.map(
        (row): SealedAgentSecret => ({
          id: row.id,
          agent_id: row.agent_id,
          key: row.key,
          value_enc: row.value_enc,
          description: row.description,
          created_at: dialect.decodeTimestamp(row.created_at),
          updated_at: dialect.decodeTimestamp(row.updated_at),
        }),
      );
    },

    async replace(agentId, secrets) {
      const organization = currentOrganization();
      await withTransaction(db, async (tx) => {
        const agent = await tx
          .selectFrom("agents")
          .select("id")
          .where("id", "=", agentId)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (agent === undefined) throw notFound("Agent", agentId);
        const existing = await tx
          .selectFrom("agent_secrets")
          .select(["id", "key", "created_at"])
          .where("agent_id", "=", agentId)
          .execute();
        const byKey = new Map(existing.map((row) => [row.key, row]));
        const now = dialect.encodeTimestamp(nowIso(context));
        await tx.deleteFrom("agent_secrets").where("agent_id", "=", agentId).execute();
        if (secrets.length === 0) return;
        await tx
          .insertInto("agent_secrets")
          .values(
            secrets.map((secret) => {
              const kept = byKey.get(secret.key);
              return {
                id: kept?.id ?? context.ids.next("agent-env"),
                organization_id: organization,
                agent_id: agentId,
                key: secret.key,
                value_enc: secret.value_enc,
                description: secret.description,
                created_at: kept?.created_at ?? now,
                updated_at: now,
              };
            }),
          )
          .execute();
      });
    },
  };
}

/** Key rotation's view of the database: every sealed column of every table in `sealedColumns`. */
export function createSealedValueRepository(context: SqlContext): SealedValueRepository {
  const { db } = context;
  return {
    async rewriteAll(transform) {
      let count = 0;
      await withTransaction(db, async (tx) => {
        for (const { table, idColumn, column } of sealedColumns) {
          const rows = await sql<{ id: string; sealed: string | null }>`select ${sql.ref(idColumn)} as id,
            ${sql.ref(column)} as sealed from ${sql.table(table)}`.execute(tx);
          for (const row of rows.rows) {
            if (row.sealed === null) continue;
            await sql`update ${sql.table(table)} set ${sql.ref(column)} = ${transform(row.sealed)}
              where ${sql.ref(idColumn)} = ${row.id}`.execute(tx);
            count += 1;
          }
        }
      });
      return count;
    },
  };
}
