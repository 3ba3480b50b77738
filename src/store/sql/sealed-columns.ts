/**
 * Every column that holds a sealed value (a SecretBox envelope), one envelope per row, with the column
 * that identifies the row. Key rotation rewrites exactly these; a new table holding secrets joins this
 * list.
 */
export const sealedColumns: ReadonlyArray<{ table: string; idColumn: string; column: string }> = [
  { table: "agent_secrets", idColumn: "id", column: "value_enc" },
  { table: "providers", idColumn: "id", column: "api_key_enc" },
  { table: "providers", idColumn: "id", column: "access_key_enc" },
  { table: "mcp_servers", idColumn: "id", column: "secrets_sealed" },
];
