import { ReverieError, reverieHome } from "../domain/index.js";
import { LOCAL_MODEL_CATALOG } from "../llm/local/local-catalog.js";
import { ModelDownloadError, pullModel } from "../llm/local/model-pull.js";
import {
  listInstalledModels,
  localEmbeddingsInstalled,
  localModelSettingsFromEnv,
} from "../llm/local/models-dir.js";
import { CliError, defineCommand, defineGroup } from "./command.js";
import { createProgressBar, type ProgressBar } from "./progress.js";

const MODELS_ENVIRONMENT = `Environment:
  REVERIE_MODELS_DIR     where models live (default $REVERIE_HOME/models)
  REVERIE_MODELS_HUB     where they are downloaded from (default https://huggingface.co; 'off' never downloads)`;

/** The models directory and hub, or a CliError saying why local embeddings are unavailable. */
function localSettings(env: Record<string, string | undefined>) {
  const settings = localModelSettingsFromEnv(env, reverieHome(env));
  if (settings === undefined) {
    throw new CliError(
      localEmbeddingsInstalled()
        ? "local embeddings are turned off (REVERIE_LOCAL_EMBEDDINGS)"
        : "local embeddings need the optional package @huggingface/transformers: npm install @huggingface/transformers",
    );
  }
  return settings;
}

const listCommand = defineCommand({
  name: "list",
  summary: "The models in the models directory and the ones that can be pulled.",
  description: MODELS_ENVIRONMENT,
  flags: { json: { type: "boolean", description: "print JSON instead of a table" } },
  async run({ flags }) {
    const settings = localSettings(process.env);
    return list(settings.modelsDir, settings.hubUrl, flags.json === true);
  },
});

const pullCommand = defineCommand({
  name: "pull",
  summary: "Download a model (config, tokenizer, ONNX weights) with progress.",
  description: MODELS_ENVIRONMENT,
  args: [{ name: "model", description: "the model's name, e.g. all-MiniLM-L6-v2" }],
  flags: { force: { type: "boolean", description: "download again even when the model is installed" } },
  async run({ flags, args: [model] }) {
    const settings = localSettings(process.env);
    return pull(model as string, settings.modelsDir, settings.hubUrl, flags.force === true);
  },
});

/** `reverie models list|pull`: local embedding models (handles `local/<model>`). */
export const modelsCommand = defineGroup({
  name: "models",
  summary: "Local embedding models (handles 'local/<model>'): list them, download one with progress.",
  description: "Run in process by the optional package @huggingface/transformers.",
  commands: [listCommand, pullCommand],
});

async function list(modelsDir: string, hubUrl: string | undefined, json: boolean): Promise<number> {
  const installed = await listInstalledModels(modelsDir);
  const rows = [
    ...installed.map((model) => ({
      handle: `local/${model.name}`,
      dim: model.dim,
      status: "installed",
      size_mb: Math.round(model.bytes / 1e5) / 10,
      path: model.path,
    })),
    ...LOCAL_MODEL_CATALOG.filter((spec) => !installed.some((model) => model.name === spec.name)).map(
      (spec) => ({
        handle: `local/${spec.name}`,
        dim: spec.dim,
        status: hubUrl === undefined ? "not downloaded (downloads off)" : "not downloaded",
        size_mb: spec.sizeMb,
        path: null,
      }),
    ),
  ];
  if (json) {
    console.log(JSON.stringify({ models_dir: modelsDir, hub: hubUrl ?? null, models: rows }, null, 2));
    return 0;
  }
  console.log(`Models directory: ${modelsDir}\nHub: ${hubUrl ?? "off (REVERIE_MODELS_HUB)"}\n`);
  const header = ["handle", "dim", "size MB", "status"];
  const lines = rows.map((row) => [row.handle, String(row.dim), String(row.size_mb), row.status]);
  const widths = header.map((title, index) =>
    Math.max(title.length, ...lines.map((line) => (line[index] ?? "").length)),
  );
  for (const line of [header, ...lines]) {
    console.log(line.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join("  "));
  }
  return 0;
}

async function pull(
  name: string,
  modelsDir: string,
  hubUrl: string | undefined,
  force: boolean,
): Promise<number> {
  if (hubUrl === undefined) {
    console.error(
      "reverie models pull: downloads are off (REVERIE_MODELS_HUB); set it to a hub URL, or copy the model folder into the models directory",
    );
    return 1;
  }
  let bar: ProgressBar | undefined;
  let barFile = "";
  try {
    const installed = await pullModel(name, {
      modelsDir,
      hubUrl,
      force,
      onProgress: ({ file, received, total, filesDone, filesTotal }) => {
        if (file !== barFile) {
          bar?.finish();
          barFile = file;
          bar = createProgressBar(`[${filesDone + 1}/${filesTotal}] ${file} (kB)`, kilobytes(total ?? 0));
        }
        bar?.update(kilobytes(received), total === undefined ? undefined : kilobytes(total));
      },
    });
    bar?.finish();
    console.log(
      `local/${installed.name}: ${installed.dim} dimensions, ${installed.onnxFile}, ${Math.round(installed.bytes / 1e5) / 10} MB in ${installed.path}`,
    );
    return 0;
  } catch (error) {
    bar?.finish();
    const known = error instanceof ReverieError || error instanceof ModelDownloadError;
    console.error(`reverie models pull: ${known ? error.message : String(error)}`);
    return 1;
  }
}

function kilobytes(bytes: number): number {
  return Math.ceil(bytes / 1024);
}
