import { type FormEvent, useState } from "react";
import { useClient } from "../api/connection";
import { useAction } from "../api/use-async";
import { usePaged } from "../api/use-paged";
import { ErrorNote } from "../components/error-note";
import { formatWhen } from "../components/format";
import { VirtualList } from "../components/virtual-list";

const PAGE = 200;

interface Passage {
  id: string;
  text: string;
  tags?: string[] | null;
  created_at?: string | null;
}

interface SearchHit {
  id: string;
  timestamp: string;
  content: string;
  tags: string[];
  score: number;
  vector_rank: number | null;
  text_rank: number | null;
}

interface SearchAnswer {
  count: number;
  results: SearchHit[];
  search_mode: string;
  search_note: string | null;
}

const splitTags = (text: string) =>
  text
    .split(",")
    .map((tag) => tag.trim())
    .filter(Boolean);

/** Archival memory: a virtualized browse of every passage, add and delete, and hybrid search with ranks. */
export function ArchivalSection({ agentId }: { agentId: string }) {
  const client = useClient();
  const [contains, setContains] = useState("");
  const passages = usePaged<Passage>(
    async (after) =>
      (await client.get(`/v1/agents/${encodeURIComponent(agentId)}/archival-memory`, {
        query: { limit: PAGE, after, search: contains.trim() || undefined, ascending: false },
      })) as Passage[],
    PAGE,
    [client, agentId, contains],
  );
  const remove = useAction();

  return (
    <section className="card archival" aria-label="Archival memory">
      <h2>Archival memory</h2>
      <AddPassage agentId={agentId} onAdded={passages.reload} />
      <ArchivalSearch agentId={agentId} />
      <h3>Browse</h3>
      <input
        type="search"
        aria-label="Filter passages by text"
        placeholder="Passages containing…"
        value={contains}
        onChange={(event) => setContains(event.target.value)}
      />
      <ErrorNote error={passages.error} onRetry={passages.reload} />
      <ErrorNote error={remove.error} />
      <p className="muted small" data-testid="passage-count">
        {passages.items.length.toLocaleString()} loaded{passages.hasMore ? " (scroll for more)" : ""}
      </p>
      <VirtualList
        label="Passages"
        items={passages.items}
        estimateSize={64}
        getKey={(passage) => passage.id}
        hasMore={passages.hasMore}
        loading={passages.loading}
        loadMore={passages.loadMore}
        height="50vh"
        renderItem={(passage) => (
          <div className="passage">
            <p>{passage.text}</p>
            <div className="row small muted">
              {(passage.tags ?? []).map((tag) => (
                <span key={tag} className="tag">
                  {tag}
                </span>
              ))}
              <span>{formatWhen(passage.created_at)}</span>
              <button
                type="button"
                className="link danger"
                aria-label={`Delete passage ${passage.id}`}
                onClick={() =>
                  void remove.run(async () => {
                    await client.agents.passages.delete(passage.id, { agent_id: agentId });
                    passages.remove(passage.id);
                  })
                }
              >
                Delete
              </button>
            </div>
          </div>
        )}
      />
    </section>
  );
}

function AddPassage({ agentId, onAdded }: { agentId: string; onAdded(): void }) {
  const client = useClient();
  const [text, setText] = useState("");
  const [tags, setTags] = useState("");
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const sent = { text, tags };
    const created = await action.run(() =>
      client.agents.passages.create(agentId, { text, tags: splitTags(tags) } as Parameters<
        typeof client.agents.passages.create
      >[1]),
    );
    if (created) {
      // Only what was sent is cleared: typing goes on while an insert (and its embedding) runs.
      setText((current) => (current === sent.text ? "" : current));
      setTags((current) => (current === sent.tags ? "" : current));
      onAdded();
    }
  };
  return (
    <form className="add-passage" onSubmit={submit} aria-label="Add a passage">
      <textarea
        aria-label="Passage text"
        placeholder="Remember this…"
        value={text}
        rows={2}
        onChange={(event) => setText(event.target.value)}
      />
      <input
        aria-label="Passage tags"
        placeholder="tags, comma separated"
        value={tags}
        onChange={(event) => setTags(event.target.value)}
      />
      <button type="submit" disabled={action.busy || text.trim() === ""}>
        Add passage
      </button>
      <ErrorNote error={action.error} />
    </form>
  );
}

function ArchivalSearch({ agentId }: { agentId: string }) {
  const client = useClient();
  const [query, setQuery] = useState("");
  const [tags, setTags] = useState("");
  const [mode, setMode] = useState<"any" | "all">("any");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [answer, setAnswer] = useState<SearchAnswer>();
  const action = useAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const tagList = splitTags(tags);
    const result = await action.run(
      async () =>
        (await client.get(`/v1/agents/${encodeURIComponent(agentId)}/archival-memory/search`, {
          query: {
            query,
            tags: tagList.length ? tagList : undefined,
            tag_match_mode: mode,
            top_k: 20,
            start_datetime: from || undefined,
            end_datetime: to || undefined,
          },
        })) as SearchAnswer,
    );
    if (result) setAnswer(result);
  };

  return (
    <div className="archival-search">
      <h3>Search</h3>
      <form className="row wrap" onSubmit={submit} aria-label="Search archival memory">
        <input
          type="search"
          aria-label="Search query"
          placeholder="What to look for"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
        <input
          aria-label="Search tags"
          placeholder="tags"
          value={tags}
          onChange={(event) => setTags(event.target.value)}
        />
        <select
          aria-label="Tag match"
          value={mode}
          onChange={(event) => setMode(event.target.value as "any" | "all")}
        >
          <option value="any">any tag</option>
          <option value="all">all tags</option>
        </select>
        <label className="small">
          from{" "}
          <input
            type="date"
            aria-label="From date"
            value={from}
            onChange={(event) => setFrom(event.target.value)}
          />
        </label>
        <label className="small">
          to{" "}
          <input
            type="date"
            aria-label="To date"
            value={to}
            onChange={(event) => setTo(event.target.value)}
          />
        </label>
        <button type="submit" disabled={action.busy}>
          Search
        </button>
      </form>
      <ErrorNote error={action.error} />
      {answer ? (
        <section className="search-results" aria-label="Archival search results">
          <p className="muted small">
            {answer.count} result{answer.count === 1 ? "" : "s"} · {answer.search_mode} search
            {answer.search_note ? ` · ${answer.search_note}` : ""}
          </p>
          <ol>
            {answer.results.map((hit) => (
              <li key={hit.id} className="hit">
                <p>{hit.content}</p>
                <p className="small muted">
                  score <strong>{hit.score.toFixed(4)}</strong> · vector rank {hit.vector_rank ?? "–"} · text
                  rank {hit.text_rank ?? "–"} · {hit.tags.join(", ")} · {formatWhen(hit.timestamp)}
                </p>
              </li>
            ))}
          </ol>
        </section>
      ) : null}
    </div>
  );
}
