import { useCallback, useEffect, useRef, useState } from "react";
import { errorDetail } from "./client";

/** The state of one async read: its value, its error's detail, and whether it is loading. */
export interface AsyncState<T> {
  value: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload(): void;
  /** Replaces the value locally (after a write whose answer is the new value). */
  set(value: T): void;
}

/** Runs `load` now and whenever `deps` change (or `reload` is called); keeps the last value while reloading. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [value, setValue] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names the dependencies.
  useEffect(() => {
    let live = true;
    setLoading(true);
    loadRef.current().then(
      (next) => {
        if (!live) return;
        setValue(next);
        setError(undefined);
        setLoading(false);
      },
      (failure: unknown) => {
        if (!live) return;
        setError(errorDetail(failure));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { value, error, loading, reload, set: setValue };
}

/** Runs one write at a time, keeping its error's detail to show where the user acted. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = useCallback(async <T>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await action();
    } catch (failure) {
      setError(errorDetail(failure));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clearError: () => setError(undefined) };
}
