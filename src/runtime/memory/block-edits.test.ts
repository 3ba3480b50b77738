import { describe, expect, it } from "vitest";
import {
  coreMemoryAppend,
  coreMemoryReplace,
  expandTabs,
  memoryInsert,
  memoryReplace,
  memoryRethink,
  READ_ONLY_BLOCK_EDIT_ERROR,
  unknownLabelError,
} from "./block-edits.js";

const human = { label: "human", value: "Name: Ada\nLikes: tea\nLikes: chess", read_only: false };

describe("memory_replace", () => {
  it("replaces a unique string and returns the whole new value", () => {
    expect(memoryReplace(human, "Name: Ada", "Name: Ada Lovelace")).toEqual({
      ok: true,
      value: "Name: Ada Lovelace\nLikes: tea\nLikes: chess",
    });
  });

  it("refuses a string that is missing, with Letta's message", () => {
    expect(memoryReplace(human, "Name: Bob", "x")).toEqual({
      ok: false,
      error:
        "No replacement was performed, old_string `Name: Bob` did not appear verbatim in memory block with label `human`.",
    });
  });

  it("refuses an ambiguous string and names the lines", () => {
    expect(memoryReplace(human, "Likes:", "Loves:")).toEqual({
      ok: false,
      error:
        "No replacement was performed. Multiple occurrences of old_string `Likes:` in lines [2, 3]. Please ensure it is unique.",
    });
  });

  it("does not interpret replacement patterns like $& in the new string", () => {
    expect(memoryReplace(human, "tea", "$& and coffee")).toMatchObject({
      value: expect.stringContaining("$& and coffee"),
    });
  });

  it("refuses line-number prefixes copied from the prompt", () => {
    const result = memoryReplace(human, "2→ Likes: tea", "Likes: coffee");
    expect(result).toEqual({
      ok: false,
      error:
        "old_string contains a line number prefix, which is not allowed. Do not include line numbers when calling memory tools (line numbers are for display purposes only).",
    });
  });

  it("refuses to edit a read-only block", () => {
    expect(memoryReplace({ ...human, read_only: true }, "Ada", "Bob")).toEqual({
      ok: false,
      error: READ_ONLY_BLOCK_EDIT_ERROR,
    });
  });

  it("matches after expanding tabs, as Letta does", () => {
    const block = { label: "notes", value: "a\tb", read_only: false };
    expect(memoryReplace(block, "a\tb", "c")).toEqual({ ok: true, value: "c" });
    expect(expandTabs("ab\tc")).toBe("ab      c");
  });
});

describe("memory_insert", () => {
  it("appends by default, inserts at the top with 0 and after a given line", () => {
    expect(memoryInsert(human, "Age: 36")).toMatchObject({
      value: "Name: Ada\nLikes: tea\nLikes: chess\nAge: 36",
    });
    expect(memoryInsert(human, "Age: 36", 0)).toMatchObject({
      value: "Age: 36\nName: Ada\nLikes: tea\nLikes: chess",
    });
    expect(memoryInsert(human, "Age: 36", 1)).toMatchObject({
      value: "Name: Ada\nAge: 36\nLikes: tea\nLikes: chess",
    });
  });

  it("inserts into an empty block without a blank first line", () => {
    expect(memoryInsert({ label: "x", value: "", read_only: false }, "first")).toEqual({
      ok: true,
      value: "first",
    });
  });

  it("refuses a line outside the block", () => {
    expect(memoryInsert(human, "x", 7)).toEqual({
      ok: false,
      error:
        "Invalid `insert_line` parameter: 7. It should be within the range of lines of the memory block: [0, 3], or -1 to append to the end of the memory block.",
    });
  });
});

describe("memory_rethink and the legacy tools", () => {
  it("rewrites the whole block", () => {
    expect(memoryRethink(human, "Name: Ada")).toEqual({ ok: true, value: "Name: Ada" });
    expect(memoryRethink({ ...human, read_only: true }, "x")).toEqual({
      ok: false,
      error: READ_ONLY_BLOCK_EDIT_ERROR,
    });
  });

  it("core_memory_append adds a line and core_memory_replace replaces every occurrence", () => {
    expect(coreMemoryAppend(human, "Age: 36")).toMatchObject({
      value: "Name: Ada\nLikes: tea\nLikes: chess\nAge: 36",
    });
    expect(coreMemoryReplace(human, "Likes", "Loves")).toMatchObject({
      value: "Name: Ada\nLoves: tea\nLoves: chess",
    });
    expect(coreMemoryReplace(human, "Hates", "x")).toEqual({
      ok: false,
      error: "Old content 'Hates' not found in memory block 'human'",
    });
  });

  it("names the available labels for an unknown one", () => {
    expect(unknownLabelError("pets", ["human", "persona"])).toBe(
      "'Block field pets does not exist (available sections = human, persona)'",
    );
  });
});
