import { parseArgs } from "node:util";
import { ReverieError, reverieHome } from "../domain/index.js";
import { LOCAL_MODEL_CATALOG } from "../llm/local/local-catalog.js";
import { ModelDownloadError, pullModel } from "../llm/local/model-pull.js";
import {
  listInstalledModels,
  localEmbeddingsInstalled,
  localModelSettingsFromEnv,
} from "../llm/local/models-dir.js";
import { createProgressBar, type ProgressBar } from "./progress.js";

const USAGE = `Usage: reverie models <command>

Local embedding models (handles 'local/<model>'), run in process by @huggingface/transformers.

Commands:
  list [--json]               the models in the models directory and the ones that can be pulled
  pull <model> [--force]      download a model (config, tokenizer, ONNX weights) with progress

Environment:
  REVERIE_MODELS_DIR     where models live (default $REVERIE_HOME/models)
  REVERIE_MODELS_HUB     where they are downloaded from (default https://huggingface.co; 'off' never downloads)`;

/** `reverie models list|pull`. */
export async function modelsCommand(argv: readonly string[], env = process.env): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    (sub === undefined ? console.error : console.log)(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== "list" && sub !== "pull") {
    console.error(`reverie models: unknown command '${sub}'\n\n${USAGE}`);
    return 2;
  }
  let parsed: { values: { json?: boolean; force?: boolean; help?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...rest],
      options: {
        json: { type: "boolean" },
        force: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
    if (parsed.values.help) {
      console.log(USAGE);
      return 0;
    }
    if (sub === "list" && (parsed.positionals.length > 0 || parsed.values.force)) {
      throw new Error("'list' takes no model and no --force");
    }
    if (sub === "pull" && (parsed.positionals.length !== 1 || parsed.values.json)) {
      throw new Error("'pull' takes exactly one model name, e.g. all-MiniLM-L6-v2");
    }
  } catch (error) {
    console.error(`reverie models ${sub}: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const settings = localModelSettingsFromEnv(env, reverieHome(env));
  if (settings === undefined) {
    console.error(
      localEmbeddingsInstalled()
        ? "reverie models: local embeddings are turned off (REVERIE_LOCAL_EMBEDDINGS)"
        : "reverie models: local embeddings need the optional package @huggingface/transformers: npm install @huggingface/transformers",
    );
    return 1;
  }
  if (sub === "list") return list(settings.modelsDir, settings.hubUrl, parsed.values.json === true);
  return pull(
    parsed.positionals[0] as string,
    settings.modelsDir,
    settings.hubUrl,
    parsed.values.force === true,
  );
}

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
