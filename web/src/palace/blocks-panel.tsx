import { ErrorNote } from "../components/error-note";
import type { useLiveBlocks } from "./use-live-blocks";

/** The agent's core blocks beside the chat; a block the agent just edited glows. */
export function BlocksPanel({ live, agentId }: { live: ReturnType<typeof useLiveBlocks>; agentId: string }) {
  return (
    <aside className="blocks-panel" aria-label="Core memory">
      <div className="panel-head">
        <h2>Core memory</h2>
        <a href={`#/agents/${encodeURIComponent(agentId)}/palace`}>Open the Palace</a>
      </div>
      <ErrorNote error={live.error} />
      {live.blocks.length === 0 && !live.error ? <p className="muted">No blocks.</p> : null}
      {live.blocks.map((entry) => (
        <section
          key={entry.block.id}
          className={`block${live.isHighlighted(entry) ? " changed" : ""}`}
          data-label={entry.block.label}
          aria-label={`Block ${entry.block.label}`}
        >
          <header>
            <strong>{entry.block.label}</strong>
            <span className="muted small">
              {entry.block.value.length}/{entry.block.limit ?? "∞"} chars
              {entry.block.read_only ? " · read-only" : ""}
            </span>
          </header>
          <pre className="block-value">{entry.block.value || <span className="muted">(empty)</span>}</pre>
        </section>
      ))}
    </aside>
  );
}
