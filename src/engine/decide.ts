import { evaluate, type Facts } from "./conditions"
import { TIME_OF_DAY, type FlowDefinition, type SendStep, type Step, type WaitStep } from "./definition"
import { addDuration, nextLocalTime } from "./durations"
import { assignVariant } from "./split"
import { findStep, firstStepOf, nextStepId } from "./step-index"

export type RunState = {
  id: string
  /** Null before the first step. */
  step_id: string | null
  step_entered_at: Date
  timezone?: string | null
}

export type TrailEntry = {
  step_id: string
  type: Step["type"]
  outcome: string
  /** At a split: the variant is the promoted winner, not a random draw (such runs are not in the test). */
  winner?: true
}

export type Decision =
  | { type: "wait"; step_id: string; step_entered_at: Date; until: Date; trail: TrailEntry[] }
  | { type: "send"; step_id: string; step: SendStep; trail: TrailEntry[] }
  | { type: "exit"; reason: string; step_id: string | null; trail: TrailEntry[] }
  | { type: "complete"; trail: TrailEntry[] }

const DEFAULT_CHECK_EVERY = { amount: 5, unit: "minutes" } as const

export type DecideOptions = {
  /** Compresses every duration (see durationToMs). A compressed clock has no time of day, so `until_time` is ignored. */
  timeScale?: number
}

const isValidDate = (date: Date) => !Number.isNaN(date.getTime())

/** When a wait entered at `enteredAt` is over; an invalid date when it cannot be computed. */
export function waitDue(step: WaitStep, enteredAt: Date, timezone: string, timeScale: number): Date {
  const afterDuration = step.duration ? addDuration(enteredAt, step.duration, timeScale) : enteredAt
  if (!step.until_time || timeScale !== 1 || !isValidDate(afterDuration)) {
    return afterDuration
  }
  return TIME_OF_DAY.test(step.until_time) ? nextLocalTime(afterDuration, step.until_time, timezone) : new Date(NaN)
}

/**
 * A wait whose due date cannot be computed (a stored definition with a duration that is not a number
 * or too large for a date, or a time of day that is not one) ends the run: treating it as over would send the next step early.
 */
function invalidWait(step: Step, trail: TrailEntry[]): Decision {
  trail.push({ step_id: step.id, type: step.type, outcome: "invalid_due_date" })
  return { type: "exit", reason: "invalid_due_date", step_id: step.id, trail }
}

/**
 * Decides what a run does now. It passes through every step that takes no time (conditions,
 * splits, elapsed waits) and stops at the first thing the adapter must act on: a wait that is
 * not over, a message to send, an exit or the end. It never has side effects.
 */
export function decide(
  definition: FlowDefinition,
  run: RunState,
  facts: Facts,
  now: Date,
  { timeScale = 1 }: DecideOptions = {}
): Decision {
  const trail: TrailEntry[] = []
  if (definition.exit?.conditions && evaluate(definition.exit.conditions, facts)) {
    return { type: "exit", reason: "exit_condition", step_id: run.step_id, trail }
  }
  const timezone = run.timezone || "UTC"
  let stepId: string | null = run.step_id ?? definition.steps[0].id
  // The moment the current step began. After an elapsed wait it is the wait's due time, not now,
  // so a late poll does not stretch the waits that follow.
  let enteredAt = run.step_entered_at

  while (stepId !== null) {
    const step = findStep(definition, stepId)
    if (!step) {
      return { type: "exit", reason: "unknown_step", step_id: stepId, trail }
    }
    switch (step.type) {
      case "wait": {
        const due = waitDue(step, enteredAt, timezone, timeScale)
        if (!isValidDate(due)) {
          return invalidWait(step, trail)
        }
        if (now < due) {
          return { type: "wait", step_id: step.id, step_entered_at: enteredAt, until: due, trail }
        }
        trail.push({ step_id: step.id, type: step.type, outcome: "elapsed" })
        stepId = nextStepId(definition, step.id)
        enteredAt = due
        break
      }
      case "wait_until": {
        const timeoutAt = addDuration(enteredAt, step.timeout, timeScale)
        const nextCheck = addDuration(now, step.check_every ?? DEFAULT_CHECK_EVERY, timeScale)
        if (!isValidDate(timeoutAt) || !isValidDate(nextCheck)) {
          return invalidWait(step, trail)
        }
        if (evaluate(step.condition, facts)) {
          trail.push({ step_id: step.id, type: step.type, outcome: "met" })
          enteredAt = now
        } else if (now >= timeoutAt) {
          trail.push({ step_id: step.id, type: step.type, outcome: "timed_out" })
          if (step.on_timeout === "exit") {
            return { type: "exit", reason: "wait_until_timeout", step_id: step.id, trail }
          }
          enteredAt = timeoutAt
        } else {
          const until = nextCheck < timeoutAt ? nextCheck : timeoutAt
          return { type: "wait", step_id: step.id, step_entered_at: enteredAt, until, trail }
        }
        stepId = nextStepId(definition, step.id)
        break
      }
      case "send_email":
      case "send_sms":
      case "send_preferred":
        if (definition.trigger.filters && !evaluate(definition.trigger.filters, facts)) {
          return { type: "exit", reason: "filters_no_longer_match", step_id: step.id, trail }
        }
        return { type: "send", step_id: step.id, step, trail }
      case "condition": {
        const branch = evaluate(step.if, facts) ? "then" : "else"
        trail.push({ step_id: step.id, type: step.type, outcome: branch })
        stepId = firstStepOf(definition, step[branch], step.id)
        break
      }
      case "split": {
        // A promoted winner takes every run that reaches the split from then on.
        const winner = step.variants.find((v) => v.key === step.winner)
        const variant = winner ?? assignVariant(run.id, step.id, step.variants)
        trail.push({ step_id: step.id, type: step.type, outcome: variant.key, ...(winner && { winner: true as const }) })
        stepId = firstStepOf(definition, variant.steps, step.id)
        break
      }
      case "exit":
        return { type: "exit", reason: "exit_step", step_id: step.id, trail }
    }
  }
  return { type: "complete", trail }
}
