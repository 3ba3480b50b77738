import { MEMORY_TOOLS, type TranscriptItem } from "./transcript";

function prettyArgs(args: string): string {
  try {
    return JSON.stringify(JSON.parse(args), null, 2);
  } catch {
    return args;
  }
}

/** One transcript item: text bubbles, and folded reasoning and tool calls. */
export function MessageItem({ item }: { item: TranscriptItem }) {
  switch (item.kind) {
    case "user":
      return <div className="msg user">{item.text}</div>;
    case "assistant":
      return <div className="msg assistant">{item.text}</div>;
    case "reasoning":
      return (
        <details className="msg reasoning">
          <summary>Reasoning</summary>
          <p>{item.text}</p>
        </details>
      );
    case "tool": {
      const memory = MEMORY_TOOLS.has(item.name);
      const failed = item.status === "error";
      return (
        <details
          className={`msg tool${memory ? " memory-edit" : ""}${failed ? " failed" : ""}`}
          data-tool={item.name}
        >
          <summary>
            {memory ? "✎ Memory edit" : "⚙ Tool call"}: <code>{item.name || "(unknown tool)"}</code>
            {item.result === undefined ? (item.approval ? " · waiting for approval" : " · running…") : ""}
            {failed ? " · failed" : ""}
            {item.resolved ? ` · ${item.resolved}` : ""}
          </summary>
          <pre className="args">{prettyArgs(item.args)}</pre>
          {item.result !== undefined ? <pre className="result">{item.result}</pre> : null}
        </details>
      );
    }
    case "stop":
      return (
        <div className="msg stop" role="alert">
          <strong>The run stopped: {item.reason}</strong>
          {item.detail ? <p>{item.detail}</p> : null}
        </div>
      );
    case "summary":
      return (
        <details className="msg summary">
          <summary>Summary of earlier messages</summary>
          <p>{item.text}</p>
        </details>
      );
    case "system":
      return null;
  }
}
