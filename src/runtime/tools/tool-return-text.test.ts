import { describe, expect, it } from "vitest";
import { toolReturnText } from "./tool-return-text.js";

describe("toolReturnText", () => {
  it("keeps text, joins the texts of content parts and names images", () => {
    expect(toolReturnText("done")).toBe("done");
    expect(
      toolReturnText([
        { type: "text", text: "line one" },
        { type: "text", text: "line two" },
      ]),
    ).toBe("line one\nline two");
    expect(
      toolReturnText([
        { type: "text", text: "a chart:" },
        { type: "image", source: {} },
      ]),
    ).toBe("a chart: [Image omitted]");
    expect(toolReturnText([{ type: "image" }, { type: "image" }])).toBe("[2 images omitted]");
    expect(toolReturnText(null)).toBe("");
    expect(toolReturnText({ ok: true })).toBe('{"ok":true}');
  });
});
