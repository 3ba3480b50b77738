/** The parts of a tool the pages show. */
export interface ToolLike {
  id?: string;
  name?: string | null;
  description?: string | null;
  tool_type?: string | null;
  source_type?: string | null;
  source_code?: string | null;
  json_schema?: unknown;
  tags?: string[] | null;
}

/** A tool's source and JSON schema, folded. */
export function ToolDetail({ tool }: { tool: ToolLike }) {
  return (
    <details className="tool-detail">
      <summary>
        <code>{tool.name}</code> <span className="muted small">{tool.tool_type}</span>
        {tool.description ? <span className="small"> · {tool.description.split("\n")[0]}</span> : null}
      </summary>
      {tool.source_code ? (
        <>
          <h4>Source ({tool.source_type ?? "python"})</h4>
          <pre className="code">{tool.source_code}</pre>
        </>
      ) : (
        <p className="muted small">Built in: no source code.</p>
      )}
      <h4>JSON schema</h4>
      <pre className="code">{JSON.stringify(tool.json_schema ?? {}, null, 2)}</pre>
    </details>
  );
}
