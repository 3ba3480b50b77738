import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Letta's id of the default organization. It always exists: with no API keys configured every object
 * lives in it, and a database made before tenancy migrates into it.
 */
export const DEFAULT_ORGANIZATION_ID = "org-00000000-0000-4000-8000-000000000000";

/**
 * The organization the current async context works for. The store's repositories read it on every call
 * and scope every statement by it, so a request (or a background job) sees and writes only its own
 * organization's rows, whatever the code above the store forgets to check.
 */
const scope = new AsyncLocalStorage<string>();

/**
 * Runs `fn` (and everything it starts: awaited calls, timers, background work) as `organizationId`.
 * Nested calls switch to the inner organization for their duration.
 */
export function withOrganization<T>(organizationId: string, fn: () => T): T {
  return scope.run(organizationId, fn);
}

/** The organization of the current async context; the default organization outside any scope. */
export function currentOrganization(): string {
  return scope.getStore() ?? DEFAULT_ORGANIZATION_ID;
}
