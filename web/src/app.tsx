import { lazy, Suspense } from "react";
import { useConnection } from "./api/connection";
import { AgentsPage } from "./pages/agents";
import { LoginPage } from "./pages/login";
import { href, type Route, useRoute } from "./router";

// The first screen is the agents list: the other pages load when first opened.
const AgentWorkspace = lazy(async () => ({
  default: (await import("./pages/agent-workspace")).AgentWorkspace,
}));
const ToolsPage = lazy(async () => ({ default: (await import("./pages/tools")).ToolsPage }));
const SettingsPage = lazy(async () => ({ default: (await import("./pages/settings")).SettingsPage }));

/** The shell: a connection gate (checking, unreachable, login), then the navigation and the page. */
export function App() {
  const { state, retry, apiKey, logout } = useConnection();
  const route = useRoute();

  if (state.status === "checking") {
    return (
      <main className="screen" aria-busy="true">
        <h1>Memory Palace</h1>
        <p>Connecting to the Reverie server at {window.location.origin}…</p>
      </main>
    );
  }
  if (state.status === "unreachable") {
    return (
      <main className="screen" role="alert">
        <h1>Cannot reach the Reverie server</h1>
        <p>
          The server at <code>{window.location.origin}</code> did not answer: {state.detail}
        </p>
        <p>
          Start it with <code>npm start</code> (or <code>reverie open</code>), then try again.
        </p>
        <button type="button" onClick={retry}>
          Try again
        </button>
      </main>
    );
  }
  if (state.status === "unauthorized") {
    return <LoginPage reason={apiKey ? state.detail : undefined} />;
  }

  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/agents">
          Reverie <span>Memory Palace</span>
        </a>
        <nav aria-label="Main">
          <NavLink route={{ page: "agents" }} current={route} label="Agents" />
          <NavLink route={{ page: "tools" }} current={route} label="Tools & MCP" />
          <NavLink route={{ page: "settings" }} current={route} label="Settings" />
          <a href="/docs" target="_blank" rel="noreferrer">
            API docs
          </a>
        </nav>
        <span className="server-version" title="Reverie server version">
          v{state.version}
          {apiKey ? (
            <button type="button" className="link" onClick={logout}>
              Log out
            </button>
          ) : null}
        </span>
      </header>
      <Suspense fallback={<p className="page muted">Loading…</p>}>
        <Page route={route} />
      </Suspense>
    </div>
  );
}

function NavLink({ route, current, label }: { route: Route; current: Route; label: string }) {
  const active = current.page === route.page || (route.page === "agents" && current.page === "agent");
  return (
    <a href={href(route)} aria-current={active ? "page" : undefined}>
      {label}
    </a>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "agents":
      return <AgentsPage />;
    case "agent":
      return <AgentWorkspace agentId={route.agentId} tab={route.tab} />;
    case "tools":
      return <ToolsPage />;
    case "settings":
      return <SettingsPage />;
    case "not-found":
      return (
        <main className="screen">
          <h1>No such page</h1>
          <p>
            <code>{route.path}</code> is not a page of the Memory Palace.{" "}
            <a href="#/agents">Go to the agents</a>.
          </p>
        </main>
      );
  }
}
