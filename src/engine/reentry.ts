import type { RunStatus } from "./constants"
import type { Reentry } from "./definition"
import { durationToMs } from "./durations"

export type PastRun = { status: RunStatus; started_at: Date }

/** Whether a subject may enter a flow again, given its earlier runs of that flow. Default: once. */
export function canEnter(
  reentry: Reentry | undefined,
  previousRuns: PastRun[],
  now: Date,
  timeScale = 1
): { ok: true } | { ok: false; reason: string } {
  if (previousRuns.some((run) => run.status === "active")) {
    return { ok: false, reason: "already_active" }
  }
  const rule = reentry ?? { mode: "once" }
  if (rule.mode === "once" && previousRuns.length > 0) {
    return { ok: false, reason: "already_entered" }
  }
  if (rule.mode === "cooldown") {
    const since = now.getTime() - durationToMs(rule.cooldown, timeScale)
    if (previousRuns.some((run) => run.started_at.getTime() > since)) {
      return { ok: false, reason: "cooldown" }
    }
  }
  return { ok: true }
}
