import { useState } from "react";
import { useClient } from "../api/connection";
import { useAction, useAsync } from "../api/use-async";
import { ErrorNote } from "../components/error-note";
import { BlockHistory } from "./block-history";
import type { LiveBlock } from "./use-live-blocks";

/** A core block in the Palace: its value (editable), who shares it, and its history. */
export function BlockCard({
  agentId,
  entry,
  highlighted,
  onChanged,
}: {
  agentId: string;
  entry: LiveBlock;
  highlighted: boolean;
  onChanged(): void;
}) {
  const client = useClient();
  const { block } = entry;
  const blockId = block.id ?? "";
  const [editing, setEditing] = useState<string>();
  const [showHistory, setShowHistory] = useState(false);
  const save = useAction();
  const sharedWith = useAsync(
    async () => (await client.blocks.agents.list(blockId, { limit: 50 })).getPaginatedItems(),
    [client, blockId],
  );
  const others = (sharedWith.value ?? []).filter((agent) => agent.id !== agentId);

  const submit = async () => {
    if (editing === undefined) return;
    const updated = await save.run(() =>
      client.agents.blocks.update(block.label ?? "", { agent_id: agentId, value: editing }),
    );
    if (updated) {
      setEditing(undefined);
      onChanged();
    }
  };

  return (
    <section
      className={`block card${highlighted ? " changed" : ""}`}
      data-label={block.label}
      aria-label={`Block ${block.label}`}
    >
      <header>
        <h3>{block.label}</h3>
        <span className="muted small">
          {block.value.length}/{block.limit ?? "∞"} chars{block.read_only ? " · read-only" : ""}
        </span>
      </header>
      {block.description ? <p className="muted small">{block.description}</p> : null}
      {editing === undefined ? (
        <pre className="block-value">{block.value || <span className="muted">(empty)</span>}</pre>
      ) : (
        <textarea
          aria-label={`Value of ${block.label}`}
          value={editing}
          rows={8}
          onChange={(event) => setEditing(event.target.value)}
        />
      )}
      <div className="row">
        {editing === undefined ? (
          <button type="button" disabled={block.read_only ?? false} onClick={() => setEditing(block.value)}>
            Edit
          </button>
        ) : (
          <>
            <button type="button" className="primary" disabled={save.busy} onClick={() => void submit()}>
              Save
            </button>
            <button type="button" onClick={() => setEditing(undefined)}>
              Cancel
            </button>
          </>
        )}
        <button type="button" aria-expanded={showHistory} onClick={() => setShowHistory((open) => !open)}>
          History
        </button>
      </div>
      <ErrorNote error={save.error} />
      {others.length > 0 ? (
        <p className="shared small">
          Shared with{" "}
          {others.map((agent, index) => (
            <span key={agent.id}>
              {index > 0 ? ", " : ""}
              <a href={`#/agents/${encodeURIComponent(agent.id)}/palace`}>{agent.name}</a>
            </span>
          ))}
        </p>
      ) : null}
      <ErrorNote error={sharedWith.error} />
      {showHistory && blockId ? <BlockHistory blockId={blockId} onChanged={onChanged} /> : null}
    </section>
  );
}
