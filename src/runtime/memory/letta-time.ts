/**
 * Formats a time the way Letta shows it to models: `2025-01-15 09:00:00 AM PST-0800`, in the agent's
 * timezone (UTC when none or an unknown one is set).
 */
export function formatLettaTime(date: Date, timezone?: string | null): string {
  const zone = isValidTimeZone(timezone) ? timezone : "UTC";
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: true,
    timeZoneName: "short",
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const hour = part("hour") === "24" ? "12" : part("hour").padStart(2, "0");
  const abbreviation = part("timeZoneName").replace(/^GMT$/, "UTC");
  return `${part("year")}-${part("month")}-${part("day")} ${hour}:${part("minute")}:${part("second")} ${part("dayPeriod").toUpperCase()} ${abbreviation}${utcOffset(date, zone)}`;
}

/** The zone's offset from UTC at `date`, as `+hhmm` / `-hhmm`. */
function utcOffset(date: Date, zone: string): string {
  const name =
    new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
      .formatToParts(date)
      .find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return match ? `${match[1]}${match[2]}${match[3]}` : "+0000";
}

/** Whether `timezone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timezone: string | null | undefined): timezone is string {
  if (!timezone) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}
