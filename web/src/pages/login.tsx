import { type FormEvent, useState } from "react";
import { useConnection } from "../api/connection";

/** Shown when the server requires an API key and none (or a refused one) is stored. */
export function LoginPage({ reason }: { reason: string | undefined }) {
  const { login } = useConnection();
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | undefined>(reason);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const failure = await login(key);
    setBusy(false);
    if (failure !== null) setError(failure);
  };

  return (
    <main className="screen">
      <h1>Log in to Reverie</h1>
      <p>
        This server requires an API key. Create one with <code>reverie keys create</code> on the server, or
        ask its operator.
      </p>
      <form onSubmit={submit} className="login">
        <label>
          API key
          <input
            type="password"
            autoComplete="current-password"
            value={key}
            onChange={(event) => setKey(event.target.value)}
            placeholder="sk-…"
            required
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? "Checking…" : "Log in"}
        </button>
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
      </form>
      <p className="hint">The key is kept in this browser only (localStorage), and sent as a Bearer token.</p>
    </main>
  );
}
