/** Starting points for a new agent: the blocks and settings each template gives it. */
export interface AgentTemplate {
  id: string;
  title: string;
  description: string;
  blocks: Array<{ label: string; value: string; limit?: number; description?: string }>;
  enableSleeptime?: boolean;
  tags: string[];
}

export const AGENT_TEMPLATES: AgentTemplate[] = [
  {
    id: "companion",
    title: "Companion (persona + human)",
    description: "MemGPT's classic pair of blocks: who the agent is, and what it learns about you.",
    blocks: [
      {
        label: "persona",
        value: "I am a helpful assistant with a long memory. I keep notes about the people I talk with.",
      },
      { label: "human", value: "Nothing is known about the user yet." },
    ],
    tags: ["companion"],
  },
  {
    id: "sleeptime",
    title: "Companion with a sleep-time agent",
    description: "The same blocks, consolidated in the background by a sleep-time agent every few turns.",
    blocks: [
      { label: "persona", value: "I am a thoughtful assistant who reflects on our conversations." },
      { label: "human", value: "Nothing is known about the user yet." },
    ],
    enableSleeptime: true,
    tags: ["companion", "sleeptime"],
  },
  {
    id: "researcher",
    title: "Research notebook",
    description: "A task block and a findings block; long material goes to archival memory.",
    blocks: [
      { label: "persona", value: "I am a careful research assistant. I cite what I find." },
      { label: "task", value: "No task yet.", description: "The current research question and plan" },
      { label: "findings", value: "", limit: 8000, description: "What has been established so far" },
    ],
    tags: ["research"],
  },
  {
    id: "blank",
    title: "Blank",
    description: "No blocks: add them later in the Memory Palace.",
    blocks: [],
    tags: [],
  },
];
