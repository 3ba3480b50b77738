import { useClient } from "../api/connection";
import { useAsync } from "../api/use-async";
import { ChatView } from "../chat/chat-view";
import { ErrorNote } from "../components/error-note";
import { PalacePage } from "../palace/palace-page";
import { AGENT_TABS, type AgentTab, href } from "../router";
import { AgentToolsPage } from "./agent-tools";
import { ContextPage } from "./context";
import { RunsPage } from "./runs";

const TAB_TITLES: Record<AgentTab, string> = {
  chat: "Chat",
  palace: "Memory Palace",
  context: "Context window",
  runs: "Runs & steps",
  tools: "Tools",
};

/** One agent: its name and tabs (chat, palace, context, runs, tools). */
export function AgentWorkspace({ agentId, tab }: { agentId: string; tab: AgentTab }) {
  const client = useClient();
  const agent = useAsync(() => client.agents.retrieve(agentId), [client, agentId]);

  if (agent.error) {
    return (
      <main className="page">
        <h1>Agent {agentId}</h1>
        <ErrorNote error={agent.error} onRetry={agent.reload} />
        <a href="#/agents">Back to the agents</a>
      </main>
    );
  }
  const state = agent.value;
  const sleeptime = Boolean((state as { enable_sleeptime?: boolean | null } | undefined)?.enable_sleeptime);
  return (
    <main className="page agent-page">
      <div className="page-head">
        <h1>
          <a href="#/agents" className="muted">
            Agents
          </a>{" "}
          / {state?.name ?? "…"}
        </h1>
        <span className="muted small">
          {state?.model ?? state?.llm_config?.model} · {agentId}
        </span>
      </div>
      <nav className="tabs" aria-label="Agent">
        {AGENT_TABS.map((name) => (
          <a
            key={name}
            href={href({ page: "agent", agentId, tab: name })}
            aria-current={tab === name ? "page" : undefined}
          >
            {TAB_TITLES[name]}
          </a>
        ))}
      </nav>
      {tab === "chat" ? <ChatView agentId={agentId} /> : null}
      {tab === "palace" ? <PalacePage agentId={agentId} sleeptime={sleeptime} /> : null}
      {tab === "context" ? <ContextPage agentId={agentId} /> : null}
      {tab === "runs" ? <RunsPage agentId={agentId} /> : null}
      {tab === "tools" ? <AgentToolsPage agentId={agentId} onChanged={agent.reload} /> : null}
    </main>
  );
}
