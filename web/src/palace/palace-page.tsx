import { ErrorNote } from "../components/error-note";
import { ArchivalSection } from "./archival-section";
import { BlockCard } from "./block-card";
import { RecallSection } from "./recall-section";
import { SleeptimeSection } from "./sleeptime-section";
import { useLiveBlocks } from "./use-live-blocks";

/** The Memory Palace: core blocks (live, with history), archival and recall memory, and sleep-time. */
export function PalacePage({ agentId, sleeptime }: { agentId: string; sleeptime: boolean }) {
  const live = useLiveBlocks(agentId);
  return (
    <div className="palace">
      <section className="palace-blocks" aria-label="Core memory blocks">
        <h2>Core memory</h2>
        <ErrorNote error={live.error} />
        {live.blocks.map((entry) => (
          <BlockCard
            key={entry.block.id}
            agentId={agentId}
            entry={entry}
            highlighted={live.isHighlighted(entry)}
            onChanged={() => void live.refresh()}
          />
        ))}
        {live.blocks.length === 0 && !live.error ? (
          <p className="muted">This agent has no core blocks.</p>
        ) : null}
        <SleeptimeSection agentId={agentId} enabled={sleeptime} />
      </section>
      <div className="palace-memory">
        <ArchivalSection agentId={agentId} />
        <RecallSection agentId={agentId} />
      </div>
    </div>
  );
}
