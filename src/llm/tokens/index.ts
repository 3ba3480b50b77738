export { type EncodingName, encodingForModel, getEncoding, warmEncodings } from "./encodings.js";
export { createTokenCounter, estimateTokens, type TokenCounter } from "./token-counter.js";
