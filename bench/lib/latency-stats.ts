/** The `p`th percentile (nearest rank) of `values`, in their unit. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? Number.NaN;
}

/** p50, p95, p99 and mean of durations in milliseconds, rounded to microseconds. */
export function summarize(durations: readonly number[]): {
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  mean_ms: number;
} {
  const round = (value: number) => Math.round(value * 1000) / 1000;
  const mean = durations.reduce((sum, value) => sum + value, 0) / Math.max(1, durations.length);
  return {
    p50_ms: round(percentile(durations, 50)),
    p95_ms: round(percentile(durations, 95)),
    p99_ms: round(percentile(durations, 99)),
    mean_ms: round(mean),
  };
}
