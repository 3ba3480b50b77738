import { describe, expect, it } from "vitest";
import { renderAvailableSkills, skillEntries, withAvailableSkills } from "./render-skills.js";

// biome-ignore lint/suspicious/noTemplateCurlyInString: Letta's literal placeholder for the memory directory.
const MEMORY_DIR = "${MEMORY_DIR}";

describe("available skills", () => {
  it("lists a client's skills as a tree under the directory that holds their folders", () => {
    const entries = skillEntries(
      [],
      [
        {
          name: "pdf",
          description: "Read and fill PDFs\nSecond line is dropped",
          location: "/home/u/.letta/skills/pdf/SKILL.md",
        },
        { name: "commit", description: "Write commits", location: "/home/u/.letta/skills/commit/SKILL.md" },
        { name: "fresh-skill", description: "fresh", location: "/tmp/fresh/SKILL.md" },
      ],
    );
    expect(renderAvailableSkills(entries)).toBe(
      [
        "<available_skills>",
        "/home/u/.letta/skills",
        "├── commit/",
        "│   └── SKILL.md (Write commits)",
        "└── pdf/",
        "    └── SKILL.md (Read and fill PDFs)",
        "",
        "/tmp/fresh",
        "└── SKILL.md (fresh)",
        "</available_skills>",
      ].join("\n"),
    );
  });

  it("takes the agent's own skill blocks first, each name once, and nothing when there is none", () => {
    const entries = skillEntries(
      [
        { label: "skills/search", description: "Agent search" },
        { label: "skills/search/notes", description: "nested: not a skill entry" },
        { label: "human", description: "not a skill" },
      ],
      [
        { name: "search", description: "client search", location: "/x/search/SKILL.md" },
        { name: "blank", description: "", location: "  " },
      ],
    );
    expect(entries).toEqual([
      { name: "search", description: "Agent search", location: `${MEMORY_DIR}/skills/search/SKILL.md` },
      { name: "blank", description: "", location: `${MEMORY_DIR}/skills/blank/SKILL.md` },
    ]);
    expect(renderAvailableSkills(entries)).toContain(
      `${MEMORY_DIR}/skills\n├── blank/\n│   └── SKILL.md\n└── search/`,
    );
    expect(renderAvailableSkills([])).toBe("");
    expect(withAvailableSkills("prompt\n\n", "")).toBe("prompt\n\n");
    expect(withAvailableSkills("prompt\n", "<available_skills>\n</available_skills>")).toBe(
      "prompt\n\n<available_skills>\n</available_skills>",
    );
  });
});
