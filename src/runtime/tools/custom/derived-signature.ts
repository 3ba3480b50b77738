/** What schema derivation reads from a tool's source: its function and the JSON schema of its parameters. */
export interface DerivedSignature {
  /** The function's name (the tool's name). */
  name: string;
  description: string;
  /** JSON schema of the arguments: `{type: "object", properties, required}`. */
  parameters: { type: "object"; properties: Record<string, Record<string, unknown>>; required: string[] };
  /** Parameter names in declaration order (positional calls of TypeScript tools use it). */
  paramNames: string[];
  /** The function declares `agent_state` (Python) and gets the agent's state. */
  takesAgentState: boolean;
  /** The function accepts any keyword (`**kwargs`), so any schema property fits it. */
  varKeywords: boolean;
}
