export { type FakeAnthropicOptions, startFakeAnthropic } from "./anthropic-server.js";
export { cosineSimilarity, fakeEmbed } from "./embedder.js";
export type { FakeLlmServer } from "./fake-http-server.js";
export { type FakeOpenAIOptions, startFakeOpenAI } from "./openai-server.js";
export {
  type FakeEndpoint,
  type FakeFault,
  type FakeFinishReason,
  type FakeReply,
  FakeScript,
  type FakeToolCall,
  type FakeUsage,
  lastUserText,
  type RecordedRequest,
  type ReplyHandler,
  type ScriptStep,
} from "./script.js";
