import { useClient, useConnection } from "../api/connection";
import { useAsync } from "../api/use-async";
import { ErrorNote } from "../components/error-note";
import { ApiKeysSection } from "./settings-keys";
import { ProvidersSection } from "./settings-providers";

/** Settings: the model providers and API keys of the caller's organization, and this browser's login. */
export function SettingsPage() {
  const client = useClient();
  const { apiKey, logout } = useConnection();
  const models = useAsync(
    async () => (await client.models.list()) as Array<{ handle?: string | null; model: string }>,
    [client],
  );

  return (
    <main className="page">
      <h1>Settings</h1>
      <ProvidersSection onChange={models.reload} />
      <section className="card" aria-label="Models offered">
        <h2>Models offered</h2>
        <ErrorNote error={models.error} onRetry={models.reload} />
        {models.value?.length === 0 ? (
          <p className="muted">
            No provider is configured: add one above, or set OPENAI_API_KEY (or another provider's variables)
            on the server.
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
      <ApiKeysSection />
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
