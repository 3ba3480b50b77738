import type { Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { stripNul } from "../domain/index.js";
import { jsonResponseBody } from "./json-response.js";
import { rawQuery } from "./query.js";
import { readJsonBody, validate } from "./validation.js";

type ParamNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | ParamNames<Rest>
  : never;

/** The path parameters named in an OpenAPI-style path (`/v1/agents/{agent_id}` gives `agent_id`). */
export type PathParams<P extends string> = { [K in ParamNames<P>]: string };

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler receives: validated path parameters, query and body. */
export interface RouteInput<P extends string, Q, B> {
  params: PathParams<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  context: Context;
}

/**
 * One HTTP operation: its validation and response schemas (the OpenAPI document is generated from
 * them) and a thin handler that calls one service method.
 */
export interface Route<
  P extends string = string,
  Q extends z.ZodObject | undefined = z.ZodObject | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  R extends z.ZodType = z.ZodType,
> {
  method: "get" | "post" | "patch" | "put" | "delete";
  /** OpenAPI-style path with a trailing slash where Letta has one; both forms are served. */
  path: P;
  operationId: string;
  summary: string;
  tag: string;
  query?: Q;
  body?: B;
  /**
   * A multipart/form-data body, which the handler reads itself (uploads): its text fields and the names
   * of its file fields, for the OpenAPI document.
   */
  multipart?: { fields: z.ZodObject; files: readonly string[] } | undefined;
  response: R;
  handle(input: RouteInput<P, Q, B>): Promise<z.input<R>> | z.input<R>;
}

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous route list; each route is checked where defined.
export type AnyRoute = Route<string, any, any, any>;

/** Declares a route, inferring its parameter, query, body and response types. */
export function defineRoute<
  const P extends string,
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType = z.ZodType,
>(route: Route<P, Q, B, R>): Route<P, Q, B, R> {
  return route;
}

/** Options of {@link mountRoutes}. */
export interface MountOptions {
  /** Parse every response with its schema (tests turn this on so the spec cannot drift). */
  validateResponses?: boolean;
}

/** Registers every route on the app: validate, call the handler, answer JSON. */
export function mountRoutes(app: Hono, routes: readonly AnyRoute[], options: MountOptions = {}): void {
  for (const route of routes) {
    // With `strict: false` Hono drops the request's trailing slash, so routes are registered without it.
    const honoPath = route.path.replace(/\{(\w+)\}/g, ":$1").replace(/(.)\/$/, "$1");
    app.on(route.method.toUpperCase(), honoPath, async (c) => {
      const query = route.query ? validate(route.query, rawQuery(c, route.query), "query") : undefined;
      const body = route.body ? validate(route.body, await readJsonBody(c), "body") : undefined;
      const params = Object.fromEntries(
        Object.entries(c.req.param() as Record<string, string>).map(([name, value]) => [
          name,
          stripNul(value),
        ]),
      );
      const result = await route.handle({ params: params as never, query, body, context: c });
      if (options.validateResponses) {
        const checked = route.response.safeParse(result);
        if (!checked.success) {
          throw new Error(
            `response of ${route.operationId} does not match its schema: ${checked.error.message}`,
          );
        }
      }
      c.header("content-type", "application/json");
      return c.body(jsonResponseBody(result), 200 as ContentfulStatusCode);
    });
  }
}
