import { z } from "zod";
import {
  LettaMessageSchema,
  ListRunMessagesQuerySchema,
  ListRunStepsQuerySchema,
  ListRunsQuerySchema,
  ListStepsQuerySchema,
  RunSchema,
  RunUsageSchema,
  StepSchema,
} from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { pageOf } from "../paging.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** `/v1/runs/`, `/v1/steps/` and `/v1/messages/{id}`: what happened in each request. */
export function runRoutes(services: Services): AnyRoute[] {
  const { runs } = services;
  return [
    defineRoute({
      method: "get",
      path: "/v1/runs/",
      operationId: "list_runs",
      summary: "List runs, newest first",
      tag: "runs",
      query: ListRunsQuerySchema,
      response: z.array(RunSchema),
      handle: ({ query }) => runs.list(query),
    }),
    defineRoute({
      method: "get",
      path: "/v1/runs/{run_id}",
      operationId: "retrieve_run",
      summary: "Retrieve a run",
      tag: "runs",
      response: RunSchema,
      handle: ({ params }) => runs.get(params.run_id),
    }),
    defineRoute({
      method: "get",
      path: "/v1/runs/{run_id}/messages",
      operationId: "list_run_messages",
      summary: "List the messages of a run",
      tag: "runs",
      query: ListRunMessagesQuerySchema,
      response: z.array(LettaMessageSchema),
      handle: ({ params, query }) => runs.messages(params.run_id, { ...query, ...pageOf(query) }),
    }),
    defineRoute({
      method: "get",
      path: "/v1/runs/{run_id}/steps",
      operationId: "list_run_steps",
      summary: "List the steps (LLM calls) of a run",
      tag: "runs",
      query: ListRunStepsQuerySchema,
      response: z.array(StepSchema),
      handle: ({ params, query }) => runs.steps(params.run_id, pageOf(query)),
    }),
    defineRoute({
      method: "get",
      path: "/v1/runs/{run_id}/usage",
      operationId: "retrieve_run_usage",
      summary: "Token usage of a run, summed over its steps",
      tag: "runs",
      response: RunUsageSchema,
      handle: ({ params }) => runs.usage(params.run_id),
    }),
    defineRoute({
      method: "get",
      path: "/v1/steps/",
      operationId: "list_steps",
      summary: "List steps",
      tag: "steps",
      query: ListStepsQuerySchema,
      response: z.array(StepSchema),
      handle: ({ query }) => runs.listSteps({ ...query, ...pageOf(query) }),
    }),
    defineRoute({
      method: "get",
      path: "/v1/steps/{step_id}",
      operationId: "retrieve_step",
      summary: "Retrieve a step",
      tag: "steps",
      response: StepSchema,
      handle: ({ params }) => runs.step(params.step_id),
    }),
    defineRoute({
      method: "get",
      path: "/v1/messages/{message_id}",
      operationId: "retrieve_message",
      summary: "Retrieve a message: every Letta view of it (an array)",
      tag: "messages",
      response: z.array(LettaMessageSchema),
      handle: ({ params }) => runs.message(params.message_id),
    }),
  ];
}
