export { type EncodingName, encodingForModel, getEncoding } from "./encodings.js";
export { createTokenCounter, estimateTokens, type TokenCounter } from "./token-counter.js";
