import { describe, expect, it } from "vitest";
import { ReverieError } from "../../../domain/index.js";
import { defineToolFromSource } from "./tool-definition.js";

const ROLL = `
from typing import List, Literal, Optional

def _helper(x):
    return x

def roll_dice(sides: int, labels: List[str], mode: Literal["fair", "loaded"] = "fair", note: Optional[str] = None) -> str:
    """Roll a die with the given number of sides.

    Args:
        sides (int): How many sides
            the die has.
        labels: Names for the faces.
        mode: Whether the die is fair.
        note: A note to print.

    Returns:
        str: The face rolled.
    """
    return labels[0]
`;

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ReverieError);
  expect((error as ReverieError).status).toBe(422);
  return (error as ReverieError).message;
}

describe("Python schema derivation", () => {
  it("reads the last function's type hints and Google-style docstring as Letta does", async () => {
    const definition = await defineToolFromSource({ source_code: ROLL, source_type: "python" });
    expect(definition.name).toBe("roll_dice");
    expect(definition.description).toBe("Roll a die with the given number of sides.");
    expect(definition.json_schema.parameters).toEqual({
      type: "object",
      properties: {
        sides: { type: "integer", description: "How many sides the die has." },
        labels: { type: "array", items: { type: "string" }, description: "Names for the faces." },
        mode: { type: "string", enum: ["fair", "loaded"], description: "Whether the die is fair." },
        note: { type: "string", description: "A note to print." },
      },
      required: ["sides", "labels"],
    });
  });

  it("leaves agent_state out of the schema and reads pydantic models declared in the source", async () => {
    const source = `
from pydantic import BaseModel, Field

class Query(BaseModel):
    text: str = Field(..., description="What to look for")
    limit: int = 5

def find(query: Query, agent_state: "AgentState") -> str:
    """Find things.

    Args:
        query: The query.
    """
    return ""
`;
    const definition = await defineToolFromSource({ source_code: source, source_type: "python" });
    expect(definition.signature.takesAgentState).toBe(true);
    expect(definition.json_schema.parameters).toEqual({
      type: "object",
      properties: {
        query: {
          type: "object",
          properties: {
            text: { type: "string", description: "What to look for" },
            limit: { type: "integer" },
          },
          required: ["text"],
          description: "The query.",
        },
      },
      required: ["query"],
    });
  });

  it("uses a pydantic args_json_schema for the parameters", async () => {
    const source = `def greet(name: str, times: int = 1) -> str:
    """Greets.

    Args:
        name: Who.
        times: How often.
    """
    return name * times
`;
    const definition = await defineToolFromSource({
      source_code: source,
      source_type: "python",
      args_json_schema: {
        title: "GreetArgs",
        type: "object",
        properties: { name: { title: "Name", type: "string", description: "Who to greet" } },
        required: ["name"],
      },
    });
    expect(definition.json_schema.parameters).toEqual({
      type: "object",
      properties: { name: { type: "string", description: "Who to greet" } },
      required: ["name"],
    });
  });

  it("refuses a syntax error, a missing function, a missing annotation or description with 422", async () => {
    expect(
      await refusal(defineToolFromSource({ source_code: "def broken(:\n  pass", source_type: "python" })),
    ).toMatch(/syntax error on line 1/);
    expect(await refusal(defineToolFromSource({ source_code: "x = 1\n", source_type: "python" }))).toBe(
      "No function definition found in the source code",
    );
    expect(
      await refusal(
        defineToolFromSource({
          source_code: 'def f(a):\n    """Doc.\n\n    Args:\n        a: x\n    """\n',
          source_type: "python",
        }),
      ),
    ).toBe("Parameter 'a' in function 'f' lacks a type annotation");
    expect(
      await refusal(
        defineToolFromSource({ source_code: 'def f(a: int):\n    """Doc."""\n', source_type: "python" }),
      ),
    ).toBe("Parameter 'a' in function 'f' lacks a description in the docstring");
  });

  it("refuses a json_schema that names no function of the source or does not match its parameters", async () => {
    expect(
      await refusal(
        defineToolFromSource({
          source_code: ROLL,
          source_type: "python",
          json_schema: { name: "flip_coin", parameters: {} },
        }),
      ),
    ).toMatch(/no function named 'flip_coin'/);
    expect(
      await refusal(
        defineToolFromSource({
          source_code: ROLL,
          source_type: "python",
          json_schema: {
            name: "roll_dice",
            parameters: {
              type: "object",
              properties: { sides: { type: "integer" }, colour: { type: "string" } },
            },
          },
        }),
      ),
    ).toBe("json_schema does not match function 'roll_dice': it has no parameter 'colour'");
    expect(
      await refusal(
        defineToolFromSource({
          source_code: ROLL,
          source_type: "python",
          json_schema: {
            name: "roll_dice",
            parameters: { type: "object", properties: { sides: { type: "integer" } } },
          },
        }),
      ),
    ).toBe(
      "json_schema does not match function 'roll_dice': its required parameter 'labels' is not in the schema",
    );
  });

  it("never runs the source while reading it", async () => {
    const source = `import os
os.system("touch /tmp/reverie-schema-must-not-run")
raise SystemExit(3)

def f(a: int) -> int:
    """Doc.

    Args:
        a: A number.
    """
    return a
`;
    const definition = await defineToolFromSource({ source_code: source, source_type: "python" });
    expect(definition.name).toBe("f");
    const { existsSync } = await import("node:fs");
    expect(existsSync("/tmp/reverie-schema-must-not-run")).toBe(false);
  });
});

describe("TypeScript and JavaScript schema derivation", () => {
  it("reads the exported function's typed parameters and JSDoc", async () => {
    const source = `
interface Options {
  /** Upper-case the result. */
  loud?: boolean;
  times: number;
}
/**
 * Repeats a word.
 * @param word - The word to repeat.
 * @param options - How to repeat it.
 * @param separator - Between repetitions.
 */
export function repeat(word: string, options: Options, separator: "," | ";" = ","): string {
  return Array(options.times).fill(word).join(separator);
}
function helper() {}
`;
    const definition = await defineToolFromSource({ source_code: source, source_type: "typescript" });
    expect(definition.name).toBe("repeat");
    expect(definition.description).toBe("Repeats a word.");
    expect(definition.signature.paramNames).toEqual(["word", "options", "separator"]);
    expect(definition.json_schema.parameters).toEqual({
      type: "object",
      properties: {
        word: { type: "string", description: "The word to repeat." },
        options: {
          type: "object",
          properties: {
            loud: { type: "boolean", description: "Upper-case the result." },
            times: { type: "number" },
          },
          required: ["times"],
          description: "How to repeat it.",
        },
        separator: { type: "string", enum: [",", ";"], description: "Between repetitions." },
      },
      required: ["word", "options"],
    });
  });

  it("reads JSDoc types in JavaScript and refuses what it cannot read", async () => {
    const definition = await defineToolFromSource({
      source_code:
        "/**\n * Adds.\n * @param {number} a - First.\n * @param {number[]} rest - Others.\n */\nexport function add(a, rest) { return a; }\n",
      source_type: "javascript",
    });
    expect(definition.json_schema.parameters).toMatchObject({
      properties: { a: { type: "number" }, rest: { type: "array", items: { type: "number" } } },
      required: ["a", "rest"],
    });
    expect(
      await refusal(
        defineToolFromSource({ source_code: "export function f(a: string { }", source_type: "typescript" }),
      ),
    ).toMatch(/syntax error on line 1/);
    expect(
      await refusal(defineToolFromSource({ source_code: "function f() {}", source_type: "typescript" })),
    ).toMatch(/No exported function/);
    expect(
      await refusal(
        defineToolFromSource({ source_code: "export function f(a) { }", source_type: "typescript" }),
      ),
    ).toBe("Parameter 'a' in function 'f' lacks a type annotation");
  });
});
