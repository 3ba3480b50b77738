import { type FormEvent, useState } from "react";
import { useClient } from "../api/connection";
import { useAction, useAsync } from "../api/use-async";
import { ConfirmButton } from "../components/confirm-button";
import { ErrorNote } from "../components/error-note";

interface Provider {
  id: string;
  name: string;
  provider_type: string;
  base_url: string | null;
  api_key: string | null;
  last_synced: string | null;
}

/** The provider types this server can call (see the server's provider kinds). */
const PROVIDER_TYPES = [
  "openai",
  "anthropic",
  "google_ai",
  "ollama",
  "vllm",
  "lmstudio_openai",
  "sglang",
  "openrouter",
  "groq",
  "together",
  "deepseek",
  "xai",
  "fireworks",
  "cerebras",
  "mistral",
];

/** The organization's own model providers (`/v1/providers`): list, add, check and delete. */
export function ProvidersSection({ onChange }: { onChange(): void }) {
  const client = useClient();
  const providers = useAsync(async () => (await client.get("/v1/providers/")) as Provider[], [client]);
  const add = useAction();
  const row = useAction();
  const [checked, setChecked] = useState<{ id: string; message: string }>();
  const [name, setName] = useState("");
  const [type, setType] = useState("openai");
  const [key, setKey] = useState("");
  const [baseUrl, setBaseUrl] = useState("");

  const changed = () => {
    providers.reload();
    onChange();
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const created = await add.run(() =>
      client.post("/v1/providers/", {
        body: { name, provider_type: type, api_key: key, base_url: baseUrl.trim() || null },
      }),
    );
    if (created) {
      setName("");
      setKey("");
      setBaseUrl("");
      changed();
    }
  }

  async function check(provider: Provider) {
    setChecked(undefined);
    const result = (await row.run(() => client.post(`/v1/providers/${provider.id}/check`))) as
      | { message: string }
      | undefined;
    if (result) setChecked({ id: provider.id, message: result.message });
  }

  async function remove(provider: Provider) {
    if ((await row.run(() => client.delete(`/v1/providers/${provider.id}`))) !== undefined) changed();
  }

  return (
    <section className="card" aria-label="Providers">
      <h2>Model providers</h2>
      <p className="muted small">
        Your organization's own keys and endpoints. Providers set by the server's environment are always
        offered too.
      </p>
      <ErrorNote error={providers.error} onRetry={providers.reload} />
      {providers.value?.length === 0 ? <p className="muted">No provider of your own yet.</p> : null}
      <ul className="provider-list">
        {(providers.value ?? []).map((provider) => (
          <li key={provider.id} aria-label={`Provider ${provider.name}`}>
            <strong>{provider.name}</strong>{" "}
            <span className="muted small">
              {provider.provider_type} {provider.base_url ?? ""} key {provider.api_key ?? "none"}
            </span>{" "}
            <button type="button" disabled={row.busy} onClick={() => check(provider)}>
              Check
            </button>{" "}
            <ConfirmButton
              label="Delete"
              confirmLabel={`Delete ${provider.name}`}
              disabled={row.busy}
              onConfirm={() => void remove(provider)}
            />
            {checked?.id === provider.id ? <p className="ok small">{checked.message}</p> : null}
          </li>
        ))}
      </ul>
      <ErrorNote error={row.error} />
      <form className="stack" onSubmit={submit} aria-label="Add a provider">
        <h3>Add a provider</h3>
        <label>
          Name
          <input value={name} onChange={(event) => setName(event.target.value)} required />
        </label>
        <label>
          Type
          <select value={type} onChange={(event) => setType(event.target.value)}>
            {PROVIDER_TYPES.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        </label>
        <label>
          Provider API key
          <input
            type="password"
            autoComplete="off"
            value={key}
            onChange={(event) => setKey(event.target.value)}
          />
        </label>
        <label>
          Base URL (optional)
          <input
            value={baseUrl}
            placeholder="https://api.example.com/v1"
            onChange={(event) => setBaseUrl(event.target.value)}
          />
        </label>
        <button type="submit" disabled={add.busy}>
          Add provider
        </button>
        <ErrorNote error={add.error} />
      </form>
    </section>
  );
}
