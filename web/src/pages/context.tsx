import { useClient } from "../api/connection";
import { useAsync } from "../api/use-async";
import { ErrorNote } from "../components/error-note";
import { formatNumber } from "../components/format";

interface Overview {
  context_window_size_max: number;
  context_window_size_current: number;
  num_tokens_system: number;
  num_tokens_core_memory: number;
  num_tokens_external_memory_summary: number;
  num_tokens_memory_filesystem: number;
  num_tokens_tool_usage_rules: number;
  num_tokens_directories: number;
  num_tokens_summary_memory: number;
  num_tokens_functions_definitions: number;
  num_tokens_messages: number;
  num_messages: number;
}

interface Segment {
  label: string;
  tokens: number;
  className: string;
  estimated?: boolean;
}

/** Where the context window's tokens go: system, each block, tools, messages, summary, against the window. */
export function ContextPage({ agentId }: { agentId: string }) {
  const client = useClient();
  const overview = useAsync(
    async () => (await client.get(`/v1/agents/${encodeURIComponent(agentId)}/context`)) as Overview,
    [client, agentId],
  );
  const blocks = useAsync(
    async () => (await client.agents.blocks.list(agentId, { limit: 100 })).getPaginatedItems(),
    [client, agentId],
  );

  const value = overview.value;
  const segments: Segment[] = [];
  if (value) {
    segments.push({ label: "System prompt", tokens: value.num_tokens_system, className: "seg-system" });
    // The overview counts core memory as one section; it is shared among blocks by their length.
    const list = blocks.value ?? [];
    const totalChars = list.reduce((sum, block) => sum + block.value.length + (block.label?.length ?? 0), 0);
    if (list.length > 0 && totalChars > 0) {
      for (const block of list) {
        const share = (block.value.length + (block.label?.length ?? 0)) / totalChars;
        segments.push({
          label: `Block ${block.label}`,
          tokens: Math.round(value.num_tokens_core_memory * share),
          className: "seg-block",
          estimated: true,
        });
      }
    } else {
      segments.push({ label: "Core memory", tokens: value.num_tokens_core_memory, className: "seg-block" });
    }
    segments.push(
      { label: "Tool rules", tokens: value.num_tokens_tool_usage_rules, className: "seg-rules" },
      {
        label: "Files and directories",
        tokens: value.num_tokens_directories + value.num_tokens_memory_filesystem,
        className: "seg-files",
      },
      { label: "Memory metadata", tokens: value.num_tokens_external_memory_summary, className: "seg-meta" },
      { label: "Tools", tokens: value.num_tokens_functions_definitions, className: "seg-tools" },
      { label: "Summary", tokens: value.num_tokens_summary_memory, className: "seg-summary" },
      {
        label: `Messages (${value.num_messages})`,
        tokens: value.num_tokens_messages,
        className: "seg-messages",
      },
    );
  }
  const max = value?.context_window_size_max ?? 1;
  const used = segments.reduce((sum, segment) => sum + segment.tokens, 0);
  // The table's bars compare the sections with each other; the bar above compares them with the window.
  const largest = Math.max(1, ...segments.map((segment) => segment.tokens));

  return (
    <section className="card context" aria-label="Context window">
      <div className="panel-head">
        <h2>Context window</h2>
        <button type="button" onClick={overview.reload}>
          Refresh
        </button>
      </div>
      <ErrorNote error={overview.error} onRetry={overview.reload} />
      {overview.loading && !value ? <p className="muted">Counting tokens…</p> : null}
      {value ? (
        <>
          <p>
            <strong>{formatNumber(value.context_window_size_current)}</strong> of {formatNumber(max)} tokens (
            {((value.context_window_size_current / max) * 100).toFixed(1)}%)
          </p>
          <div className="context-bar" role="img" aria-label={`${used} of ${max} tokens used`}>
            {segments
              .filter((segment) => segment.tokens > 0)
              .map((segment) => (
                <span
                  key={segment.label}
                  className={segment.className}
                  style={{ width: `${Math.max(0.3, (segment.tokens / max) * 100)}%` }}
                  title={`${segment.label}: ${segment.tokens} tokens`}
                />
              ))}
          </div>
          <table className="context-table">
            <tbody>
              {segments.map((segment) => (
                <tr key={segment.label}>
                  <td>
                    <span className={`swatch ${segment.className}`} /> {segment.label}
                  </td>
                  <td className="num">
                    {segment.estimated ? "≈" : ""}
                    {formatNumber(segment.tokens)}
                  </td>
                  <td className="bar-cell">
                    <span
                      className={`mini-bar ${segment.className}`}
                      style={{ width: `${(segment.tokens / largest) * 100}%` }}
                    />
                  </td>
                </tr>
              ))}
              <tr>
                <td>Free</td>
                <td className="num">{formatNumber(Math.max(0, max - value.context_window_size_current))}</td>
                <td />
              </tr>
            </tbody>
          </table>
          <p className="muted small">Blocks marked ≈ share the core memory's count by their length.</p>
        </>
      ) : null}
    </section>
  );
}
