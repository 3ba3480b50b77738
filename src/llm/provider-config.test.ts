import { describe, expect, it } from "vitest";
import { ReverieError } from "../domain/index.js";
import { parseCompatibleEndpoints, providerConfigFromEnv } from "./provider-config.js";

describe("providerConfigFromEnv", () => {
  it("reads the usual provider variables and treats blank values as unset", () => {
    const config = providerConfigFromEnv({
      OPENAI_API_KEY: "sk-1",
      OPENAI_BASE_URL: "http://127.0.0.1:9999/v1",
      ANTHROPIC_API_KEY: "  ",
      GOOGLE_GENERATIVE_AI_API_KEY: "g-1",
      OLLAMA_BASE_URL: "http://localhost:11434",
      REVERIE_DEFAULT_MODEL: "openai/gpt-4o",
    });
    expect(config.openai).toEqual({ apiKey: "sk-1", baseUrl: "http://127.0.0.1:9999/v1" });
    expect(config.anthropic?.apiKey).toBeUndefined();
    expect(config.google?.apiKey).toBe("g-1");
    expect(config.ollama?.baseUrl).toBe("http://localhost:11434");
    expect(config.openaiCompatible).toEqual([]);
    expect(config.defaultModel).toBe("openai/gpt-4o");
  });

  it("parses REVERIE_OPENAI_COMPATIBLE as JSON or as name=url pairs", () => {
    expect(
      parseCompatibleEndpoints(
        '[{"name":"vllm","base_url":"http://h:8000/v1","api_key":"k"},{"name":"lm","baseUrl":"http://h:1234/v1"}]',
      ),
    ).toEqual([
      { name: "vllm", baseUrl: "http://h:8000/v1", apiKey: "k" },
      { name: "lm", baseUrl: "http://h:1234/v1", apiKey: undefined },
    ]);
    expect(parseCompatibleEndpoints("vllm=http://h:8000/v1, lm=http://h:1234/v1")).toEqual([
      { name: "vllm", baseUrl: "http://h:8000/v1" },
      { name: "lm", baseUrl: "http://h:1234/v1" },
    ]);
  });

  it("rejects malformed endpoint lists with a message naming the variable", () => {
    for (const bad of [
      "[oops",
      "vllm",
      "openai=http://h/v1",
      "a=http://h/v1,a=http://h/v1",
      "x=ftp://h",
      "[{}]",
    ]) {
      const attempt = () => parseCompatibleEndpoints(bad);
      expect(attempt).toThrow(ReverieError);
      expect(attempt).toThrow(/REVERIE_OPENAI_COMPATIBLE/);
    }
  });
});
