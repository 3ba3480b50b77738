/**
 * The program that runs a JavaScript tool (TypeScript arrives transpiled to CommonJS) inside a sandbox
 * (`node -e <this>`). It reads one JSON request on stdin ({source, function, args, parameters,
 * modules_dir, marker}), evaluates the source as a CommonJS module, calls the function with the
 * arguments in parameter order (awaiting a promise), and writes one JSON envelope after the marker on
 * stdout, as the Python driver does. `require` resolves from the tool's installed npm requirements.
 */
export const NODE_DRIVER = String.raw`
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { createRequire } = require("node:module");

const request = JSON.parse(fs.readFileSync(0, "utf8"));
const marker = request.marker;

function render(value) {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "None";
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text;
  } catch {
    return String(value);
  }
}

function describe(error) {
  if (error instanceof Error) {
    const name = error.name || "Error";
    return { name, message: error.message, traceback: name + ": " + error.message };
  }
  return { name: "Error", message: String(error), traceback: "Error: " + String(error) };
}

function emit(envelope) {
  const data = Buffer.from("\n" + marker + JSON.stringify(envelope) + "\n", "utf8");
  let offset = 0;
  while (offset < data.length) offset += fs.writeSync(1, data, offset);
  process.exit(0);
}

async function main() {
  const base = request.modules_dir ? path.join(request.modules_dir, "tool.js") : path.join(process.cwd(), "tool.js");
  const module = { exports: {} };
  const lookup = new Function(
    "exports",
    "require",
    "module",
    "__filename",
    "__dirname",
    request.source +
      "\n;return typeof " + request.function + " === 'function' ? " + request.function +
      " : (module.exports && module.exports[" + JSON.stringify(request.function) + "]);",
  );
  const fn = lookup(module.exports, createRequire(base), module, base, path.dirname(base));
  if (typeof fn !== "function") {
    throw new ReferenceError(request.function + " is not defined in the tool's source");
  }
  const args = request.args || {};
  const order = Array.isArray(request.parameters) ? request.parameters : Object.keys(args);
  return render(await fn(...order.map((name) => args[name])));
}

process.on("unhandledRejection", (error) => emit({ ok: false, error: describe(error) }));
main().then(
  (value) => emit({ ok: true, value }),
  (error) => emit({ ok: false, error: describe(error) }),
);
`;
