import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // No test reaches the internet: local embedding models are never downloaded from a hub (tests that
    // need one build it from PyPI with scripts/build-minilm-model.sh, or serve a fake hub on 127.0.0.1).
    env: { REVERIE_MODELS_HUB: "off" },
  },
});
