import type { Duration } from "./definition"

/** The longest duration a flow definition may hold: a wait, a timeout, a cooldown. */
export const MAX_DURATION_DAYS = 366

const UNIT_MS = { seconds: 1000, minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const

/**
 * A duration in milliseconds. `timeScale` compresses time for demos and tests: with 360, an hour
 * lasts 10 seconds.
 */
export function durationToMs(duration: Duration, timeScale = 1): number {
  return (duration.amount * UNIT_MS[duration.unit]) / timeScale
}

export function addDuration(date: Date, duration: Duration, timeScale = 1): Date {
  return new Date(date.getTime() + durationToMs(duration, timeScale))
}

export function isValidTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone })
    return true
  } catch {
    return false
  }
}

/** Minutes between UTC and the wall clock of `timezone` at `at` (positive east of Greenwich). */
function offsetMinutes(at: Date, timezone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(at)
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  const wallAsUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"))
  return Math.round((wallAsUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000)
}

/**
 * The first moment at or after `after` when the clock in `timezone` shows `hhmm`.
 * An unknown timezone counts as UTC. On a DST jump the offset of the target day is used.
 */
export function nextLocalTime(after: Date, hhmm: string, timezone: string): Date {
  const zone = isValidTimezone(timezone) ? timezone : "UTC"
  const [hours, minutes] = hhmm.split(":").map(Number)
  const local = new Date(after.getTime() + offsetMinutes(after, zone) * 60_000)
  for (let dayOffset = 0; dayOffset <= 2; dayOffset++) {
    const wall = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + dayOffset, hours, minutes)
    // Guess with the current offset, then correct with the offset in force at the guess.
    const guess = new Date(wall - offsetMinutes(new Date(wall), zone) * 60_000)
    const candidate = new Date(wall - offsetMinutes(guess, zone) * 60_000)
    if (candidate.getTime() >= after.getTime()) {
      return candidate
    }
  }
  throw new Error(`no ${hhmm} found after ${after.toISOString()} in ${zone}`)
}

/** Minutes since local midnight in `timezone` at `at`. */
function localMinutes(at: Date, timezone: string): number {
  const local = new Date(at.getTime() + offsetMinutes(at, timezone) * 60_000)
  return local.getUTCHours() * 60 + local.getUTCMinutes()
}

const toMinutes = (hhmm: string) => {
  const [hours, minutes] = hhmm.split(":").map(Number)
  return hours * 60 + minutes
}

/**
 * When the recipient's quiet hours end, if `now` falls inside them; null otherwise.
 * A window may cross midnight (21:00-08:00).
 */
export function quietHoursEnd(now: Date, quiet: { start: string; end: string }, timezone: string): Date | null {
  const zone = isValidTimezone(timezone) ? timezone : "UTC"
  const [start, end, current] = [toMinutes(quiet.start), toMinutes(quiet.end), localMinutes(now, zone)]
  const inside = start <= end ? current >= start && current < end : current >= start || current < end
  return inside ? nextLocalTime(now, quiet.end, zone) : null
}
