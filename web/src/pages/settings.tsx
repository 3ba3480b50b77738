import { useClient, useConnection } from "../api/connection";
import { useAsync } from "../api/use-async";
import { ErrorNote } from "../components/error-note";

interface Provider {
  id?: string;
  name: string;
  provider_type?: string;
  base_url?: string | null;
  api_key?: string | null;
}

/** Settings: the model providers and API keys of the caller's organization, and this browser's login. */
export function SettingsPage() {
  const client = useClient();
  const { apiKey, logout } = useConnection();
  const providers = useAsync(async () => (await client.get("/v1/providers/")) as Provider[], [client]);
  const models = useAsync(
    async () => (await client.models.list()) as Array<{ handle?: string | null; model: string }>,
    [client],
  );

  return (
    <main className="page">
      <h1>Settings</h1>
      <section className="card" aria-label="Providers">
        <h2>Model providers</h2>
        <ErrorNote error={providers.error} onRetry={providers.reload} />
        <ul>
          {(providers.value ?? []).map((provider) => (
            <li key={provider.id ?? provider.name}>
              <strong>{provider.name}</strong>{" "}
              <span className="muted small">
                {provider.provider_type} {provider.base_url ?? ""}
              </span>
            </li>
          ))}
        </ul>
        <h3>Models offered</h3>
        <ErrorNote error={models.error} />
        {models.value?.length === 0 ? (
          <p className="muted">
            No provider is configured: set OPENAI_API_KEY (or another provider's variables) on the server.
          </p>
        ) : null}
        <ul className="columns">
          {(models.value ?? []).map((model) => (
            <li key={model.handle ?? model.model}>
              <code>{model.handle ?? model.model}</code>
            </li>
          ))}
        </ul>
      </section>
      <section className="card" aria-label="This browser">
        <h2>This browser</h2>
        {apiKey ? (
          <p>
            Logged in with a key ending in <code>{apiKey.slice(-4)}</code>.{" "}
            <button type="button" onClick={logout}>
              Log out
            </button>
          </p>
        ) : (
          <p className="muted">No API key: this server accepts requests without one (local use).</p>
        )}
      </section>
    </main>
  );
}
