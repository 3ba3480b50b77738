import { type FormEvent, useState } from "react";
import { errorDetail, errorStatus } from "../api/client";
import { useClient } from "../api/connection";
import { useAction, useAsync } from "../api/use-async";
import { ConfirmButton } from "../components/confirm-button";
import { ErrorNote } from "../components/error-note";

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  is_admin: boolean;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

type KeyList = { ok: true; keys: ApiKey[] } | { ok: false; status: number | undefined; detail: string };

/**
 * API keys (`/v1/admin/keys`), for an admin key: list, create (the key is shown once) and revoke. Any
 * other login gets the server's answer saying an admin key is needed.
 */
export function ApiKeysSection() {
  const client = useClient();
  const list = useAsync(async (): Promise<KeyList> => {
    try {
      return { ok: true, keys: (await client.get("/v1/admin/keys/")) as ApiKey[] };
    } catch (error) {
      // 403 (not an admin key) and 401 are answers to show, not failures of the page.
      return { ok: false, status: errorStatus(error), detail: errorDetail(error) };
    }
  }, [client]);
  const create = useAction();
  const revoke = useAction();
  const [name, setName] = useState("");
  const [admin, setAdmin] = useState(false);
  const [shown, setShown] = useState<{ name: string; key: string }>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const created = (await create.run(() =>
      client.post("/v1/admin/keys/", { body: { name, is_admin: admin } }),
    )) as (ApiKey & { key: string }) | undefined;
    if (created) {
      setShown({ name: created.name, key: created.key });
      setName("");
      setAdmin(false);
      list.reload();
    }
  }

  async function revokeKey(key: ApiKey) {
    if ((await revoke.run(() => client.delete(`/v1/admin/keys/${key.id}`))) !== undefined) list.reload();
  }

  const state = list.value;
  return (
    <section className="card" aria-label="API keys">
      <h2>API keys</h2>
      <ErrorNote error={list.error} onRetry={list.reload} />
      {state && !state.ok ? (
        <p className="muted" role="note">
          {state.status === 403
            ? `Managing API keys needs an admin key. ${state.detail}`
            : `API keys cannot be managed here: ${state.detail}`}
        </p>
      ) : null}
      {state?.ok ? (
        <>
          {shown ? (
            <div className="notice" role="status" aria-label="New API key">
              <p>
                The key <strong>{shown.name}</strong>, shown only now: copy it and keep it safe.
              </p>
              <code className="secret">{shown.key}</code>{" "}
              <button type="button" onClick={() => setShown(undefined)}>
                Done
              </button>
            </div>
          ) : null}
          <ul className="key-list">
            {state.keys.map((key) => (
              <li key={key.id} aria-label={`Key ${key.name}`}>
                <strong>{key.name}</strong> <code>{key.prefix}…</code>{" "}
                <span className="muted small">
                  {key.is_admin ? "admin · " : ""}created {key.created_at.slice(0, 10)}
                  {key.expires_at ? ` · expires ${key.expires_at.slice(0, 10)}` : ""}
                </span>{" "}
                {key.revoked_at ? (
                  <span className="muted small">revoked {key.revoked_at.slice(0, 10)}</span>
                ) : (
                  <ConfirmButton
                    label="Revoke"
                    confirmLabel={`Revoke ${key.name}`}
                    disabled={revoke.busy}
                    onConfirm={() => void revokeKey(key)}
                  />
                )}
              </li>
            ))}
          </ul>
          <ErrorNote error={revoke.error} />
          <form className="stack" onSubmit={submit} aria-label="Create an API key">
            <h3>Create a key</h3>
            <label>
              Key name
              <input value={name} onChange={(event) => setName(event.target.value)} />
            </label>
            <label className="inline">
              <input type="checkbox" checked={admin} onChange={(event) => setAdmin(event.target.checked)} />{" "}
              Admin (may manage keys)
            </label>
            <button type="submit" disabled={create.busy}>
              Create key
            </button>
            <ErrorNote error={create.error} />
          </form>
        </>
      ) : null}
    </section>
  );
}
