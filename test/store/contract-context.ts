import { expect } from "vitest";
import type { ErrorCode } from "../../src/domain/index.js";
import type { Store } from "../../src/store/store.js";
import type { Fixtures } from "./fixtures.js";

/** What each part of the contract suite works with; getters read the current test's store. */
export interface ContractContext {
  readonly store: Store;
  readonly f: Fixtures;
  readonly openFreshStore: () => Promise<Store>;
}

/** Asserts that `promise` rejects with a `ReverieError` of `code`. */
export async function expectReverieError(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: "ReverieError", code });
}

/** The ids of a list, for compact order assertions. */
export function ids(items: ReadonlyArray<{ id: string }>): string[] {
  return items.map((item) => item.id);
}
