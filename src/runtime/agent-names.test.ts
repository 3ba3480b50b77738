import { describe, expect, it } from "vitest";
import { randomIds } from "../domain/index.js";
import { generateAgentName } from "./agent-names.js";

describe("generateAgentName", () => {
  it("gives readable names that are stable per id and differ between ids", () => {
    const id = "agent-3f2a9c1e-0000-4000-8000-00000000beef";
    expect(generateAgentName(id)).toMatch(/^[a-z]+-[a-z]+-beef$/);
    expect(generateAgentName(id)).toBe(generateAgentName(id));
    const names = new Set(Array.from({ length: 200 }, () => generateAgentName(randomIds.next("agent"))));
    expect(names.size).toBeGreaterThan(190);
  });
});
