// The worker thread of the CPU pool: runs one task at a time and answers with its result, so that
// parsing, chunking and token counting of large inputs never block the server's event loop.
import { parentPort } from "node:worker_threads";
import { type CpuRequest, type CpuResponse, runCpuTask } from "./cpu-tasks.js";

const port = parentPort;
if (port === null) throw new Error("cpu-worker.ts runs only as a worker thread");

port.on("message", async (request: CpuRequest) => {
  let response: CpuResponse;
  try {
    const value = await runCpuTask(request.task, request.input as never);
    response = { id: request.id, ok: true, value };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    response = { id: request.id, ok: false, message, code: typeof code === "string" ? code : undefined };
  }
  port.postMessage(response);
});
