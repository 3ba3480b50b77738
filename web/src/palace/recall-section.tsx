import { type FormEvent, useState } from "react";
import { useClient } from "../api/connection";
import { useAction } from "../api/use-async";
import { usePaged } from "../api/use-paged";
import type { LettaMessageLike } from "../chat/transcript";
import { ErrorNote } from "../components/error-note";
import { formatWhen } from "../components/format";
import { VirtualList } from "../components/virtual-list";

const PAGE = 200;

interface RecallHit {
  message_type: string;
  content: string;
  message_id: string;
  created_at: string;
  rrf_score: number;
  vector_rank: number | null;
  fts_rank: number | null;
}

type Message = LettaMessageLike & { id: string };

function preview(message: Message): string {
  if (typeof message.content === "string") return message.content;
  if (message.reasoning) return message.reasoning;
  if (message.tool_call?.name) return `${message.tool_call.name}(${message.tool_call.arguments ?? ""})`;
  if (message.tool_return) return message.tool_return;
  return JSON.stringify(message.content ?? "");
}

/** Recall memory: search every message of the agent, and browse them all, newest first. */
export function RecallSection({ agentId }: { agentId: string }) {
  const client = useClient();
  const [query, setQuery] = useState("");
  const [hits, setHits] = useState<RecallHit[]>();
  const search = useAction();
  const messages = usePaged<Message>(
    async (after) =>
      (
        await client.agents.messages.list(agentId, { limit: PAGE, after, order: "desc" })
      ).getPaginatedItems() as unknown as Message[],
    PAGE,
    [client, agentId],
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await search.run(
      async () =>
        (await client.post("/v1/messages/search", {
          body: { query, agent_id: agentId, limit: 20 },
        })) as RecallHit[],
    );
    if (result) setHits(result);
  };

  return (
    <section className="card recall" aria-label="Recall memory">
      <h2>Recall memory</h2>
      <form className="row" onSubmit={submit} aria-label="Search recall memory">
        <input
          type="search"
          aria-label="Search messages"
          placeholder="Search the history…"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
        <button type="submit" disabled={search.busy || query.trim() === ""}>
          Search
        </button>
      </form>
      <ErrorNote error={search.error} />
      {hits ? (
        <ol className="search-results" aria-label="Recall search results">
          {hits.length === 0 ? <li className="muted">No message matches.</li> : null}
          {hits.map((hit) => (
            <li key={hit.message_id} className="hit">
              <p>
                <span className="muted">{hit.message_type === "user_message" ? "user" : "agent"}:</span>{" "}
                {hit.content}
              </p>
              <p className="small muted">
                score {hit.rrf_score.toFixed(4)} · vector rank {hit.vector_rank ?? "–"} · text rank{" "}
                {hit.fts_rank ?? "–"} · {formatWhen(hit.created_at)}
              </p>
            </li>
          ))}
        </ol>
      ) : null}
      <h3>All messages</h3>
      <ErrorNote error={messages.error} onRetry={messages.reload} />
      <VirtualList
        label="Messages"
        items={messages.items}
        estimateSize={44}
        getKey={(message) => `${message.id}:${message.message_type}`}
        hasMore={messages.hasMore}
        loading={messages.loading}
        loadMore={messages.loadMore}
        height="40vh"
        renderItem={(message) => (
          <div className={`message-row ${message.message_type}`}>
            <span className="muted small">{message.message_type.replace("_message", "")}</span>{" "}
            <span className="clip">{preview(message)}</span>
            <span className="muted small"> · {formatWhen(message.date)}</span>
          </div>
        )}
      />
    </section>
  );
}
