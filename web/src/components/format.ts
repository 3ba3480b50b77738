/** A timestamp as "3 min ago" when recent, else a local date and time. */
export function formatWhen(value: string | null | undefined): string {
  if (!value) return "never";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const seconds = Math.round((Date.now() - date.getTime()) / 1000);
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return date.toLocaleString();
}

export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : value.toLocaleString();
}
