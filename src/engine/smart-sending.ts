import type { ChannelName, WhenHeldRule } from "./constants"
import { waitDue, type RunState } from "./decide"
import type { FlowDefinition, SendStep } from "./definition"
import { assignVariant } from "./split"
import { findStep, firstStepOf, nextStepId } from "./step-index"

/** A flow message the person got (or that is going out), counted toward the caps. Exempt ones never are. */
export type CountedSend = { at: Date; channel: ChannelName; flow_id: string; priority: number }

/** Another run's next message for the same person, not sent yet: when it is due and how it ranks. */
export type PendingSend = { run_id: string; flow_id: string; channel: ChannelName; priority: number; at: Date }

/** A cap: at most `max` counted messages within `window_ms`. */
export type Cap = { max: number; window_ms: number }

/**
 * What smart sending weighs, beside consent and quiet hours: the message's own rank, the caps, the
 * person's recent counted messages and the other flows' messages about to go to them.
 */
export type SmartSendingFacts = {
  run_id: string
  /** When this message is due: what ties between flows of equal priority are broken on. */
  due_at: Date
  priority: number
  /** Not counted, not capped, never held back by another flow. */
  exempt: boolean
  when_held: WhenHeldRule
  /** The cross-flow maximum, whatever the channel. */
  total_cap: Cap
  /** The cap of this message's channel; null: none. */
  channel_cap: Cap | null
  /** Two messages of different flows on one channel closer than this compete: the higher-priority one goes. 0: off. */
  overlap_ms: number
  /** Counted messages within the longest window, any channel. */
  recent: CountedSend[]
  /** The person's other runs' next messages. */
  pending: PendingSend[]
}

export type HeldReason = "frequency_cap" | "priority"

export type Hold = { reason: HeldReason; until: Date; message: string }

const latest = (dates: Date[]) => new Date(Math.max(...dates.map((d) => d.getTime())))

/**
 * Whether `rival` goes before a message with `me`'s rank: a higher priority wins; at equal priority the
 * one due first, then the lower run id. A total order, so two workers never both yield to each other.
 */
export function outranks(rival: { priority: number; at: Date; run_id: string }, me: { priority: number; at: Date; run_id: string }) {
  if (rival.priority !== me.priority) {
    return rival.priority > me.priority
  }
  if (rival.at.getTime() !== me.at.getTime()) {
    return rival.at < me.at
  }
  return rival.run_id < me.run_id
}

/** When a cap has room again: when enough of the sends within its window have left it. Null: it has room now. */
function capFreesAt(cap: Cap, sends: CountedSend[], now: Date): Date | null {
  const inWindow = sends
    .filter((send) => send.at.getTime() > now.getTime() - cap.window_ms && send.at <= now)
    .sort((a, b) => b.at.getTime() - a.at.getTime())
  if (inWindow.length < cap.max) {
    return null
  }
  // The max-th newest must leave the window for one more to fit.
  return new Date(inWindow[cap.max - 1].at.getTime() + cap.window_ms)
}

function capLabel(cap: Cap, channel: ChannelName | null): string {
  const hours = Math.round((cap.window_ms / 3_600_000) * 10) / 10
  return `${channel ? `${channel} cap` : "frequency cap"} reached (${cap.max} per ${hours} h)`
}

/**
 * What holds a message back at `now`, or null when smart sending lets it go. A message of another flow on
 * the same channel within the overlap window, sent already at an equal or higher priority or due and
 * outranking this one, goes first: this one is held until the window after it has passed. Then the
 * channel's cap and the cross-flow maximum: held until the oldest counted message in the way leaves its
 * window. Exempt messages are never held.
 */
export function smartSendingHold(facts: SmartSendingFacts & { channel: ChannelName; flow_id: string }, now: Date): Hold | null {
  if (facts.exempt) {
    return null
  }
  const me = { priority: facts.priority, at: facts.due_at, run_id: facts.run_id }
  const sameChannel = (send: { channel: ChannelName; flow_id: string }) => send.channel === facts.channel && send.flow_id !== facts.flow_id
  const sentBefore = facts.recent.filter(
    (send) => sameChannel(send) && send.priority >= facts.priority && send.at <= now && now.getTime() - send.at.getTime() < facts.overlap_ms
  )
  const goingFirst = facts.pending.filter(
    (send) =>
      sameChannel(send) && send.run_id !== facts.run_id && send.at.getTime() <= now.getTime() + facts.overlap_ms && outranks(send, me)
  )
  // A zero window: flows do not compete, only the caps hold.
  if (facts.overlap_ms > 0 && (sentBefore.length || goingFirst.length)) {
    const times = [...sentBefore.map((send) => send.at), ...goingFirst.map((send) => latest([send.at, now]))]
    const until = new Date(latest(times).getTime() + facts.overlap_ms)
    const first = [...sentBefore, ...goingFirst][0]
    return { reason: "priority", until, message: `held for a higher-priority flow's message (${first.flow_id})` }
  }
  const binding: { cap: Cap; freesAt: Date; channel: ChannelName | null }[] = []
  const total = capFreesAt(facts.total_cap, facts.recent, now)
  if (total) {
    binding.push({ cap: facts.total_cap, freesAt: total, channel: null })
  }
  if (facts.channel_cap) {
    const channel = capFreesAt(
      facts.channel_cap,
      facts.recent.filter((send) => send.channel === facts.channel),
      now
    )
    if (channel) {
      binding.push({ cap: facts.channel_cap, freesAt: channel, channel: facts.channel })
    }
  }
  if (!binding.length) {
    return null
  }
  // Both caps must have room: wait for the later.
  const until = latest(binding.map((b) => b.freesAt))
  const named = binding.find((b) => b.channel) ?? binding[0]
  return { reason: "frequency_cap", until, message: capLabel(named.cap, named.channel) }
}

/** A run's next message, as far as the definition alone tells: the step and when it is due. */
export type NextSend = { step: SendStep; step_id: string; at: Date; channel: ChannelName }

/**
 * The next message a run will send if nothing changes, found without the store's data: it follows waits
 * (their due times) and splits (the run's variant) and stops at anything that depends on data (a
 * condition, a wait_until) or ends the run. Null when no message can be foreseen.
 */
export function nextSendOf(
  definition: FlowDefinition,
  run: RunState & { next_run_at: Date | null },
  now: Date,
  { timeScale = 1 }: { timeScale?: number } = {}
): NextSend | null {
  const timezone = run.timezone || "UTC"
  let stepId: string | null = run.step_id ?? definition.steps[0]?.id ?? null
  let enteredAt = run.step_entered_at
  // Where the run is parked now, it wakes at next_run_at: a send step waiting out quiet hours or a cap.
  let at: Date = run.next_run_at ?? now
  for (let guard = 0; stepId !== null && guard < 1000; guard++) {
    const step = findStep(definition, stepId)
    if (!step) {
      return null
    }
    switch (step.type) {
      case "send_email":
      case "send_sms":
        return { step, step_id: step.id, at, channel: step.type === "send_email" ? "email" : "sms" }
      case "wait": {
        const due = waitDue(step, enteredAt, timezone, timeScale)
        if (Number.isNaN(due.getTime())) {
          return null
        }
        at = due
        enteredAt = due
        stepId = nextStepId(definition, step.id)
        break
      }
      case "split": {
        const variant = assignVariant(run.id, step.id, step.variants)
        stepId = firstStepOf(definition, variant.steps, step.id)
        break
      }
      default:
        return null
    }
  }
  return null
}

/** When a run's next message will really go, or why it will not. */
export type SendPrediction =
  | { step_id: string; channel: ChannelName; at: Date; held_by: HeldReason[] }
  | { step_id: string; channel: ChannelName; skipped: string; at: Date }

/**
 * The facts as they will be at `at`: the other flows' messages due before it have gone, those that
 * outrank this one, and those far enough ahead of it not to yield to it (the others yield, so they do not
 * count). What is due later is still pending.
 */
function asOf(smart: SmartSendingFacts, at: Date): SmartSendingFacts {
  const me = { priority: smart.priority, at: smart.due_at, run_id: smart.run_id }
  const goneBy = (send: PendingSend) =>
    send.at < at && (outranks(send, me) || send.at.getTime() + smart.overlap_ms < smart.due_at.getTime())
  return {
    ...smart,
    recent: [...smart.recent, ...smart.pending.filter(goneBy).map(({ run_id: _run, ...send }) => send)],
    pending: smart.pending.filter((send) => send.at >= at),
  }
}

/** Deferrals followed before the prediction gives up (each one moves forward in time). */
const MAX_DEFERRALS = 50

/**
 * The time a message due at `dueAt` will really go: `decide` (the same function the scheduler asks)
 * applied again at each time it defers to, quiet hours, caps and priority included. Other flows' messages
 * due before that time are taken as sent when due, as the ones that outrank this one are.
 */
export function predictSend<F extends { smart?: SmartSendingFacts }>(
  facts: F,
  dueAt: Date,
  now: Date,
  decide: (facts: F, at: Date) => { action: "send" } | { action: "skip"; reason: string } | { action: "defer"; until: Date; reason: string }
): { at: Date; held_by: string[] } | { skipped: string; at: Date } | null {
  let at = latest([dueAt, now])
  const held: string[] = []
  for (let i = 0; i < MAX_DEFERRALS; i++) {
    const smart = facts.smart && asOf(facts.smart, at)
    const decision = decide({ ...facts, ...(smart && { smart }) }, at)
    if (decision.action === "send") {
      return { at, held_by: [...new Set(held)] }
    }
    if (decision.action === "skip") {
      return { skipped: decision.reason, at }
    }
    held.push(decision.reason)
    at = decision.until > at ? decision.until : new Date(at.getTime() + 1000)
  }
  return null
}
