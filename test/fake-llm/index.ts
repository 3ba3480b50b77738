export { startFakeAnthropic, type FakeAnthropicOptions } from "./anthropic-server.js";
export { cosineSimilarity, fakeEmbed } from "./embedder.js";
export type { FakeLlmServer } from "./fake-http-server.js";
export { startFakeOpenAI, type FakeOpenAIOptions } from "./openai-server.js";
export {
  type FakeEndpoint,
  type FakeFault,
  type FakeFinishReason,
  FakeScript,
  type FakeReply,
  type FakeToolCall,
  type FakeUsage,
  lastUserText,
  type RecordedRequest,
  type ReplyHandler,
  type ScriptStep,
} from "./script.js";
