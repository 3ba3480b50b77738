export * from "./llm-config-overrides.js";
export * from "./model-catalog.js";
export * from "./model-discovery.js";
export * from "./model-registry.js";
export * from "./provider-config.js";
