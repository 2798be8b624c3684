import type { RunStatus } from "./constants"
import type { FlowDefinition, Reentry } from "./definition"
import { runsPerContact } from "./definition"
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

/** The cart or order a run is about (or an event): its id, and when it was created when that is known. */
export type SubjectRef = { id: string | null; created_at?: Date | null }

export type EntryDecision =
  /** Start a run. */
  | { action: "enter" }
  /** The person's running series moves to the event's newer cart or order: same run, same schedule, no step again. */
  | { action: "follow" }
  /** Nothing starts: the run goes on as it is (activity on its own subject may still restart a wait). */
  | { action: "stay"; reason: "already_active" | "older_subject" }
  | { action: "refuse"; reason: string }

/**
 * What an event that triggers a flow does, given the run already active for its subject or person and
 * the earlier runs counted by the re-entry rule (the subject's, or with scope "person" all of the
 * person's, so the cooldown counts per person).
 *
 * With scope "person" an event about another cart (or order) than the running series' joins that series
 * when it is newer: the run follows it (links, items and totals come from it from then on). The run keeps
 * its schedule: a new cart does not restart the wait it is in, or a shopper opening carts could put the
 * reminders off for ever; steps already sent are not sent again. An event about an older cart changes nothing.
 */
export function decideEntry(input: {
  definition: Pick<FlowDefinition, "trigger" | "reentry">
  /** The cart or order the event is about. */
  event: SubjectRef
  /** The active run: the cart or order it follows now. Null when none is active. */
  active: SubjectRef | null
  history: PastRun[]
  now: Date
  timeScale?: number
}): EntryDecision {
  const { definition, event, active } = input
  if (active) {
    const person = runsPerContact(definition)
    if (!person || !event.id || event.id === active.id) {
      return { action: "stay", reason: "already_active" }
    }
    return isNewer(event, active) ? { action: "follow" } : { action: "stay", reason: "older_subject" }
  }
  const verdict = canEnter(definition.reentry, input.history, input.now, input.timeScale ?? 1)
  return verdict.ok ? { action: "enter" } : { action: "refuse", reason: verdict.reason }
}

/** Newer by creation time; when either time is unknown, the later event's subject counts as the newer one. */
function isNewer(event: SubjectRef, current: SubjectRef): boolean {
  const a = event.created_at?.getTime()
  const b = current.created_at?.getTime()
  if (a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b)) {
    return true
  }
  return a > b || (a === b && (event.id ?? "") > (current.id ?? ""))
}
