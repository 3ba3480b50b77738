import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";
import { errorDetail } from "../api/client";
import { useClient } from "../api/connection";
import { useAsync } from "../api/use-async";
import { ErrorNote } from "../components/error-note";
import { BlocksPanel } from "../palace/blocks-panel";
import { useLiveBlocks } from "../palace/use-live-blocks";
import { ApprovalCard, type ApprovalDecision } from "./approval-card";
import { MessageItem } from "./message-item";
import {
  applyFailure,
  applyMessage,
  type LettaMessageLike,
  pendingApprovals,
  type TranscriptItem,
} from "./transcript";

const HISTORY_PAGE = 50;
const DEFAULT_CONVERSATION = "default";

/** The chat: a conversation's transcript, streaming replies, approvals, and the live blocks beside it. */
export function ChatView({ agentId }: { agentId: string }) {
  const client = useClient();
  const live = useLiveBlocks(agentId);
  const [conversation, setConversation] = useState(DEFAULT_CONVERSATION);
  const conversations = useAsync(
    async () =>
      (await client.conversations.list({ agent_id: agentId, limit: 50 })) as Array<{
        id: string;
        summary?: string | null;
        created_at?: string | null;
      }>,
    [client, agentId],
  );
  const [items, setItems] = useState<TranscriptItem[]>([]);
  const [historyError, setHistoryError] = useState<string>();
  const [oldest, setOldest] = useState<string | undefined>();
  const [hasOlder, setHasOlder] = useState(false);
  const [text, setText] = useState("");
  const [streaming, setStreaming] = useState(false);
  const [sendError, setSendError] = useState<string>();
  const bottom = useRef<HTMLDivElement>(null);
  const abort = useRef<AbortController | null>(null);

  const fetchHistory = useCallback(
    async (before: string | undefined) => {
      const query = { limit: HISTORY_PAGE, order: "desc" as const, before };
      const page =
        conversation === DEFAULT_CONVERSATION
          ? await client.agents.messages.list(agentId, query)
          : await client.conversations.messages.list(conversation, query);
      return page.getPaginatedItems() as unknown as LettaMessageLike[];
    },
    [client, agentId, conversation],
  );

  useEffect(() => {
    let live = true;
    setItems([]);
    setHistoryError(undefined);
    fetchHistory(undefined).then(
      (messages) => {
        if (!live) return;
        setItems(
          messages
            .slice()
            .reverse()
            .reduce(applyMessage, [] as TranscriptItem[]),
        );
        setOldest(messages.at(-1)?.id);
        setHasOlder(messages.length >= HISTORY_PAGE);
      },
      (failure: unknown) => live && setHistoryError(errorDetail(failure)),
    );
    return () => {
      live = false;
    };
  }, [fetchHistory]);

  const loadOlder = async () => {
    try {
      const messages = await fetchHistory(oldest);
      const older = messages
        .slice()
        .reverse()
        .reduce(applyMessage, [] as TranscriptItem[]);
      setItems((current) => [...older, ...current]);
      setOldest(messages.at(-1)?.id);
      setHasOlder(messages.length >= HISTORY_PAGE);
    } catch (failure) {
      setHistoryError(errorDetail(failure));
    }
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: scrolls down whenever an item is added.
  useEffect(() => {
    bottom.current?.scrollIntoView({ block: "end" });
  }, [items.length]);

  /** Sends one turn and folds its stream into the transcript; tool results refresh the blocks. */
  const runTurn = async (message: Record<string, unknown>) => {
    setStreaming(true);
    setSendError(undefined);
    const controller = new AbortController();
    abort.current = controller;
    let lastStop: string | undefined;
    let runId: string | undefined;
    try {
      const body = { messages: [message], stream_tokens: true, include_pings: true } as never;
      const stream =
        conversation === DEFAULT_CONVERSATION
          ? await client.agents.messages.stream(agentId, body, { signal: controller.signal })
          : await client.conversations.messages.create(conversation, body, { signal: controller.signal });
      for await (const chunk of stream as AsyncIterable<LettaMessageLike & { run_id?: string }>) {
        runId = chunk.run_id ?? runId;
        if (chunk.message_type === "stop_reason") lastStop = chunk.stop_reason;
        if (chunk.message_type === "tool_return_message") void live.refresh();
        setItems((current) => applyMessage(current, chunk));
      }
      if (lastStop && !["end_turn", "requires_approval", "cancelled"].includes(lastStop) && runId) {
        // No error event came: the run's record says what the provider answered.
        const run = (await client.runs.retrieve(runId)) as {
          metadata?: { error?: { message?: string } } | null;
        };
        const detail = run.metadata?.error?.message;
        if (detail) setItems((current) => applyFailure(current, lastStop, detail));
      }
    } catch (failure) {
      if (controller.signal.aborted) return;
      setItems((current) => applyFailure(current, lastStop, errorDetail(failure)));
    } finally {
      abort.current = null;
      setStreaming(false);
      void live.refresh();
    }
  };

  const send = async (event: FormEvent) => {
    event.preventDefault();
    const content = text.trim();
    if (content === "" || streaming) return;
    if (pendingApprovals(items).length > 0) {
      setSendError("Approve or deny the pending tool call first.");
      return;
    }
    setText("");
    setItems((current) => [...current, { kind: "user", key: `local:${Date.now()}`, text: content }]);
    await runTurn({ role: "user", content });
  };

  const decide = async (decision: ApprovalDecision) => {
    setItems((current) =>
      current.map((item) =>
        item.kind === "tool" && item.callId === decision.tool_call_id
          ? {
              ...item,
              resolved:
                decision.type === "tool"
                  ? "answered"
                  : decision.approve
                    ? "approved"
                    : `denied${decision.reason ? `: ${decision.reason}` : ""}`,
            }
          : item,
      ),
    );
    await runTurn({ type: "approval", approvals: [decision] });
  };

  const pending = pendingApprovals(items);
  return (
    <div className="chat-layout">
      <section className="chat" aria-label="Chat">
        <div className="chat-toolbar">
          <label>
            Conversation{" "}
            <select
              aria-label="Conversation"
              value={conversation}
              onChange={(event) => setConversation(event.target.value)}
            >
              <option value={DEFAULT_CONVERSATION}>Default</option>
              {(conversations.value ?? []).map((entry) => (
                <option key={entry.id} value={entry.id}>
                  {entry.summary || entry.id}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            onClick={async () => {
              try {
                const created = (await client.conversations.create({ agent_id: agentId })) as { id: string };
                conversations.reload();
                setConversation(created.id);
              } catch (failure) {
                setSendError(errorDetail(failure));
              }
            }}
          >
            New conversation
          </button>
          {streaming ? (
            <button type="button" onClick={() => abort.current?.abort()}>
              Stop
            </button>
          ) : null}
        </div>
        <ErrorNote error={conversations.error} />
        <div className="transcript" aria-live="polite">
          {hasOlder ? (
            <button type="button" className="link" onClick={() => void loadOlder()}>
              Load older messages
            </button>
          ) : null}
          <ErrorNote error={historyError} />
          {items.map((item) => (
            <MessageItem key={item.key} item={item} />
          ))}
          {streaming ? <div className="muted typing">…</div> : null}
          <div ref={bottom} />
        </div>
        {pending.map((item) => (
          <ApprovalCard
            key={item.key}
            item={item}
            busy={streaming}
            onDecide={(decision) => void decide(decision)}
          />
        ))}
        <form className="composer" onSubmit={send}>
          <textarea
            aria-label="Message"
            placeholder="Message the agent…"
            value={text}
            rows={2}
            onChange={(event) => setText(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "Enter" && !event.shiftKey) {
                event.preventDefault();
                event.currentTarget.form?.requestSubmit();
              }
            }}
          />
          <button type="submit" className="primary" disabled={streaming || text.trim() === ""}>
            Send
          </button>
        </form>
        <ErrorNote error={sendError} />
      </section>
      <BlocksPanel live={live} agentId={agentId} />
    </div>
  );
}
