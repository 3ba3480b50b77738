// Building an Intl.DateTimeFormat costs about 0.1 ms and every tool result and system prompt formats a
// time, so formatters are kept per zone (only zones the runtime accepts get one: a bounded set).
const wallClockFormats = new Map<string, Intl.DateTimeFormat>();
const offsetFormats = new Map<string, Intl.DateTimeFormat>();

function cachedFormat(
  cache: Map<string, Intl.DateTimeFormat>,
  zone: string,
  options: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  let format = cache.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-US", { ...options, timeZone: zone });
    cache.set(zone, format);
  }
  return format;
}

const wallClockFormat = (zone: string) =>
  cachedFormat(wallClockFormats, zone, {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: true,
    timeZoneName: "short",
  });

const offsetFormat = (zone: string) => cachedFormat(offsetFormats, zone, { timeZoneName: "longOffset" });

/**
 * Formats a time the way Letta shows it to models: `2025-01-15 09:00:00 AM PST-0800`, in the agent's
 * timezone (UTC when none or an unknown one is set).
 */
export function formatLettaTime(date: Date, timezone?: string | null): string {
  const zone = isValidTimeZone(timezone) ? timezone : "UTC";
  const parts = wallClockFormat(zone).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const hour = part("hour") === "24" ? "12" : part("hour").padStart(2, "0");
  const abbreviation = part("timeZoneName").replace(/^GMT$/, "UTC");
  return `${part("year")}-${part("month")}-${part("day")} ${hour}:${part("minute")}:${part("second")} ${part("dayPeriod").toUpperCase()} ${abbreviation}${utcOffset(date, zone)}`;
}

/** The zone's offset from UTC at `date`, as `+hhmm` / `-hhmm`. */
function utcOffset(date: Date, zone: string): string {
  const name =
    offsetFormat(zone)
      .formatToParts(date)
      .find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return match ? `${match[1]}${match[2]}${match[3]}` : "+0000";
}

/** Whether `timezone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timezone: string | null | undefined): timezone is string {
  if (!timezone) return false;
  try {
    wallClockFormat(timezone);
    return true;
  } catch {
    return false;
  }
}

function offsetMinutes(utcMillis: number, zone: string): number {
  const name =
    offsetFormat(zone)
      .formatToParts(new Date(utcMillis))
      .find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === "-" ? -minutes : minutes;
}

/**
 * Reads a date or date-time the model gave (ISO 8601). A value without an offset is taken in the
 * agent's timezone; a date alone means the start of that day, or its end when `endOfDay` is set.
 * Returns an ISO UTC string, or undefined if the text is not a date.
 */
export function parseAgentDate(
  text: string,
  timezone: string | null | undefined,
  endOfDay = false,
): string | undefined {
  const trimmed = text.trim();
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(trimmed);
  const naive = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?$/.exec(trimmed);
  const parts = dateOnly
    ? endOfDay
      ? [dateOnly[1], dateOnly[2], dateOnly[3], "23", "59", "59", "999"]
      : [dateOnly[1], dateOnly[2], dateOnly[3], "0", "0", "0", "0"]
    : naive
      ? [naive[1], naive[2], naive[3], naive[4], naive[5], naive[6] ?? "0", (naive[7] ?? "0").padEnd(3, "0")]
      : undefined;
  if (!parts) {
    const parsed = Date.parse(trimmed);
    return Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString();
  }
  const [year, month, day, hour, minute, second, ms] = parts.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (Number.isNaN(wall)) return undefined;
  const zone = isValidTimeZone(timezone) ? timezone : "UTC";
  // Two passes settle the offset around daylight-saving changes.
  let utc = wall - offsetMinutes(wall, zone) * 60_000;
  utc = wall - offsetMinutes(utc, zone) * 60_000;
  return new Date(utc).toISOString();
}

/** `5m ago`, `3h ago`, `2d ago`: how Letta tells the model the age of a search result. */
export function timeAgo(then: Date, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}
