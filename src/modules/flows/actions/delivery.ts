import { randomUUID } from "node:crypto"
import { MedusaError } from "@medusajs/framework/utils"
import {
  consentRefusal,
  contactTimezone,
  decideSend,
  durationToMs,
  nextSendOf,
  predictSend,
  type FlowDefinition,
  type HeldReason,
  type PendingSend,
  type SendChannel,
  type SendFacts,
  type SmartSendingFacts,
  suppressionRefusal,
  type WhenHeldRule,
} from "../../../engine"
import { linksFor } from "../links/signed-links"
import { longestDeliveryMs } from "../channels"
import type { QueuedOutcome } from "../channels/rate-limited"
import { countSegments, normalizePhone } from "../channels/recipients"
import { nextAttemptAt } from "../channels/retry"
import { ProviderError, type DeliveryResult } from "../channels/types"
import { DEFAULT_MAX_SEGMENTS } from "../options"
import { addTimelineEntry, consentOf } from "../sql/contacts"
import { type Database, withWriteRetries } from "../sql/database"
import { insertMessageOnce, markMessage, markSent, startRetry } from "../sql/messages"
import { phoneConsentOf, setPhoneConsent } from "../sql/phone-consent"
import { lockProviderId } from "../sql/provider-events"
import * as runSql from "../sql/runs"
import { activeRunsOfContact, countedSendsSince, flowPriority, type ActiveRunOfContact } from "../sql/smart-sending"
import { messageKey, type RenderedMessage, type RunRow } from "../types"
import { applyTwilioStatusesAwaiting } from "./webhooks"
import { isSuppressed } from "./privacy"
import type { ModuleContext } from "./context"
import { engagementSendFact, type ContactEngagement } from "./engagement"

/** What became of a send step. `uncertain`: the call may have reached the provider; it is not sent again. */
export type SendOutcome =
  | "sent"
  | "skipped"
  | "failed"
  | "uncertain"
  | "already_handled"
  | "lost_claim"
  | { deferred_until: Date; reason: "quiet_hours" | HeldReason | "provider_retry" | "in_flight" }

/**
 * A send step as delivery sees it: its channel, its smart-sending rules from the definition, and the
 * person's engagement level when the caller has read it already (it is read otherwise).
 */
export type DeliveryStep = {
  id: string
  channel: SendChannel
  exempt?: boolean
  when_held?: WhenHeldRule
  engagement?: Pick<ContactEngagement, "level"> | null
  /**
   * Whether rendering does anything besides rendering (creates a discount code, stores a short link). Then
   * (the default) the send policy is asked before rendering as well, so a held message leaves nothing behind;
   * otherwise only once, under the contact's lock, which saves a round of reads per message.
   */
  render_has_side_effects?: boolean
}

/** A step's rendered message, or why it could not be rendered. */
export type StepContent = { rendered: RenderedMessage } | { skip: string }

/** Where a run's message on `channel` would go: its email, or its phone in E.164. */
export function recipientOf(
  ctx: ModuleContext,
  run: Pick<RunRow, "email" | "phone">,
  channel: SendChannel
): { to: string | null; invalid: string | null } {
  if (channel === "email") {
    return { to: run.email, invalid: null }
  }
  const phone = normalizePhone(run.phone, ctx.options.twilio?.defaultCountry)
  return "invalid" in phone ? { to: run.phone, invalid: phone.invalid } : { to: phone.e164, invalid: null }
}

/** The facts `decideSend` needs about a run's recipient: consent, time zone, recent messages and rival flows. */
export async function sendFactsFor(
  ctx: ModuleContext,
  run: RunRow,
  step: DeliveryStep,
  now: Date,
  { lockContact = false } = {}
): Promise<SendFacts> {
  const { channel } = step
  const { db } = ctx
  const recipient = recipientOf(ctx, run, channel)
  const contact = await consentOf(db, run.contact_id, { lock: lockContact })
  const { defaults, scheduler } = ctx.options
  const timezone = contactTimezone(contact, defaults.timezone).timezone
  const smart = await smartSendingFacts(ctx, db, run, step, contact, timezone, now)
  return {
    channel,
    flow_id: run.flow_id,
    to: recipient.to,
    invalid_recipient: recipient.invalid,
    consent: {
      email: contact?.email_consent ?? null,
      phone: channel === "sms" ? await phoneConsentOf(db, recipient.to) : null,
      unsubscribed_flows: contact?.unsubscribed_flows ?? [],
    },
    email_policy: defaults.emailConsent,
    // Compressed demo time would hold every text for hours of real time.
    quiet_hours: scheduler.timeScale > 1 ? null : defaults.quietHours,
    timezone,
    cap: { sent: countIn(smart, smart.total_cap.window_ms, now), max: defaults.frequencyCap.max },
    suppressed: await isSuppressed(ctx, channel, recipient.to),
    smart,
    engagement: await engagementSendFact(ctx, run, now, step.engagement),
  }
}

const countIn = (smart: SmartSendingFacts, windowMs: number, now: Date) =>
  smart.recent.filter((send) => send.at.getTime() > now.getTime() - windowMs).length

/** The caps and the overlap window in milliseconds, compressed like every duration in demo time. */
function smartWindows(ctx: ModuleContext, channel: SendChannel) {
  const { defaults, scheduler } = ctx.options
  const ms = (duration: Parameters<typeof durationToMs>[0]) => durationToMs(duration, scheduler.timeScale)
  const channelCap = defaults.channelCaps[channel]
  return {
    total_cap: { max: defaults.frequencyCap.max, window_ms: ms(defaults.frequencyCap.per) },
    channel_cap: channelCap ? { max: channelCap.max, window_ms: ms(channelCap.per) } : null,
    overlap_ms: defaults.overlapWindow ? ms(defaults.overlapWindow) : 0,
  }
}

/**
 * Smart sending's facts for a run's step: the caps, the person's counted messages within the longest
 * window, and the next message of each of their other runs (what the definition alone foresees).
 */
async function smartSendingFacts(
  ctx: ModuleContext,
  db: Database,
  run: RunRow,
  step: DeliveryStep,
  contact: Awaited<ReturnType<typeof consentOf>>,
  timezone: string,
  now: Date
): Promise<SmartSendingFacts> {
  const windows = smartWindows(ctx, step.channel)
  const base = {
    run_id: run.id,
    exempt: step.exempt ?? false,
    when_held: step.when_held ?? "skip",
    ...windows,
  }
  if (!run.contact_id) {
    return {
      ...base,
      due_at: run.next_run_at ? new Date(run.next_run_at) : now,
      priority: await flowPriority(db, run.flow_id),
      recent: [],
      pending: [],
    }
  }
  const longest = Math.max(windows.total_cap.window_ms, windows.channel_cap?.window_ms ?? 0, windows.overlap_ms)
  const [recent, runs] = await Promise.all([
    countedSendsSince(db, run.contact_id, new Date(now.getTime() - longest)),
    activeRunsOfContact(db, run.contact_id),
  ])
  const own = runs.find((other) => other.id === run.id)
  const ownNext = own && nextSendOf(own.definition, { ...own, timezone }, now, { timeScale: ctx.options.scheduler.timeScale })
  return {
    ...base,
    due_at: ownNext?.step_id === step.id ? ownNext.at : run.next_run_at ? new Date(run.next_run_at) : now,
    priority: own?.priority ?? (await flowPriority(db, run.flow_id)),
    // A message stamped after `now` is one another worker inserted while this one waited for the contact's
    // lock: it went out all the same, so it counts as sent now, not as a future send that holds nothing back.
    recent: recent.map((send) => (send.at > now ? { ...send, at: now } : send)),
    pending: await pendingSendsOf(
      ctx,
      db,
      runs.filter((other) => other.id !== run.id),
      contact,
      timezone,
      now
    ),
  }
}

/**
 * The next counted message of each run, when the definition foresees one and the person may get it: a
 * text to a number without consent is skipped when due, so it holds nothing back.
 */
async function pendingSendsOf(
  ctx: ModuleContext,
  db: Database,
  runs: ActiveRunOfContact[],
  contact: Awaited<ReturnType<typeof consentOf>>,
  timezone: string,
  now: Date
): Promise<PendingSend[]> {
  const pending: PendingSend[] = []
  for (const other of runs) {
    const next = nextSendOf(other.definition, { ...other, timezone }, now, { timeScale: ctx.options.scheduler.timeScale })
    if (!next || next.step.exempt) {
      continue
    }
    const recipient = recipientOf(ctx, other, next.channel)
    const refusal =
      recipient.invalid ??
      consentRefusal({
        channel: next.channel,
        flow_id: other.flow_id,
        to: recipient.to,
        consent: {
          email: contact?.email_consent ?? null,
          phone: next.channel === "sms" ? await phoneConsentOf(db, recipient.to) : null,
          unsubscribed_flows: contact?.unsubscribed_flows ?? [],
        },
        email_policy: ctx.options.defaults.emailConsent,
      })
    if (!refusal) {
      pending.push({ run_id: other.id, flow_id: other.flow_id, channel: next.channel, priority: other.priority, at: next.at })
    }
  }
  return pending
}

/**
 * When a run's next message will really go, after quiet hours, caps and priority: `decideSend`, the
 * scheduler's own decision, applied at each time it defers to (see `predictSend`). Null when the
 * definition foresees no message (the run ends, or a condition on the store's data comes first).
 */
export async function predictNextSend(ctx: ModuleContext, run: RunRow, now = new Date()) {
  const version = await ctx.db.first(`SELECT definition FROM flows_flow_version WHERE id = ?`, [run.flow_version_id])
  if (!version || run.status !== "active") {
    return null
  }
  const contact = await consentOf(ctx.db, run.contact_id)
  const timezone = contactTimezone(contact, ctx.options.defaults.timezone).timezone
  const next = nextSendOf(
    version.definition as FlowDefinition,
    { ...run, step_entered_at: new Date(run.step_entered_at), next_run_at: run.next_run_at && new Date(run.next_run_at), timezone },
    now,
    { timeScale: ctx.options.scheduler.timeScale }
  )
  if (!next) {
    return null
  }
  const step = { id: next.step_id, channel: next.channel, exempt: next.step.exempt, when_held: next.step.when_held }
  const facts = await sendFactsFor(ctx, run, step, now)
  const predicted = predictSend(facts, next.at, now, decideSend)
  return predicted && { step_id: next.step_id, channel: next.channel, due_at: next.at, ...predicted }
}

/** A text longer than the segment limit is not sent: the one check that needs the rendered message. */
function segmentsOf(ctx: ModuleContext, channel: SendChannel, rendered: RenderedMessage) {
  if (channel !== "sms") {
    return { segments: null, tooLong: null }
  }
  const { segments } = countSegments(rendered.text ?? "")
  const limit = ctx.options.twilio?.maxSegments ?? DEFAULT_MAX_SEGMENTS
  return { segments, tooLong: segments > limit ? `text is ${segments} segments, over the limit of ${limit}` : null }
}

/**
 * Sends one step's message at most once. Whether it may go is decided first (`decideSend`) when rendering
 * has side effects: `content`, when a function, is then called only for a message that will go, so a
 * skipped step creates no discount code and no link. The idempotency key (flow, run, step) is written before the provider is called, so a
 * retry, a second worker or a redelivered event finds it and sends nothing; a message whose send may
 * have gone out is never sent again.
 */
export async function deliverStepMessage(
  ctx: ModuleContext,
  run: RunRow,
  step: DeliveryStep,
  content: StepContent | (() => Promise<StepContent>),
  now = new Date()
): Promise<SendOutcome> {
  const to = recipientOf(ctx, run, step.channel).to
  if (step.render_has_side_effects ?? true) {
    const decision = decideSend(await sendFactsFor(ctx, run, step, now), now)
    if (decision.action === "defer") {
      return { deferred_until: decision.until, reason: decision.reason }
    }
    if (decision.action === "skip") {
      return await recordSkipped(ctx, run, step, to, decision.reason, now)
    }
  }
  const made = typeof content === "function" ? await content() : content
  if ("skip" in made) {
    return await recordSkipped(ctx, run, step, to, made.skip, now)
  }
  const { rendered } = made
  const { segments, tooLong } = segmentsOf(ctx, step.channel, rendered)
  if (tooLong) {
    return await recordSkipped(ctx, run, step, to, tooLong, now, { ...rendered, segments })
  }
  const claimed = await ctx.db.transaction(async (tx) => {
    if (!(await runSql.holdsClaim(tx, run))) {
      return "lost_claim" as const
    }
    // Decided again under the contact's lock: two workers must not both send the last message a cap
    // allows, nor two flows' messages that compete both go.
    const again = await decideUnderLock(ctx, tx, run, step, now)
    if (again.action === "defer") {
      return { deferred_until: again.until, reason: again.reason }
    }
    const held = again.action === "skip" ? again.reason : null
    const message = await insertMessageOnce(
      tx,
      {
        ...rendered,
        ...messageOf(ctx, run, step, to),
        segments,
        exempt: step.exempt ?? false,
        status: held ? "skipped" : "sending",
        error: held,
      },
      now
    )
    if (message.created || message.status !== "retrying") {
      return message
    }
    const attempts = await startRetry(tx, message.id, now)
    // Null: another worker took this retry between the read above and the update.
    return attempts === null ? ("already_handled" as const) : { ...message, status: "sending", attempts, created: true }
  })
  if (claimed === "lost_claim" || claimed === "already_handled" || "deferred_until" in claimed) {
    return claimed
  }
  if (!claimed.created) {
    if (claimed.status !== "sending") {
      return "already_handled"
    }
    // Another worker may still be in its provider call (its lease ran out first): wait for its answer.
    const answeredBy = new Date(claimed.updated_at.getTime() + longestDeliveryMs(ctx.options))
    if (now < answeredBy) {
      return { deferred_until: answeredBy, reason: "in_flight" }
    }
    // The worker died during the provider call: the message may have gone out, so it is not sent again.
    await markMessage(
      ctx.db,
      claimed.id,
      {
        status: "uncertain",
        error: "interrupted during the provider call; not sent again to avoid a duplicate",
        now,
      },
      ["sending"]
    )
    return "uncertain"
  }
  if (claimed.status === "skipped") {
    return "skipped"
  }
  return await callProvider(ctx, run, step, { ...rendered, id: claimed.id, to: to as string }, claimed.attempts, now)
}

/** The fields every message of a run's step has. */
function messageOf(ctx: ModuleContext, run: RunRow, step: { id: string; channel: SendChannel }, to: string | null) {
  return {
    idempotency_key: messageKey(run, step.id),
    flow_id: run.flow_id,
    run_id: run.id,
    step_id: step.id,
    contact_id: run.contact_id,
    provider: ctx.channels[step.channel].provider,
    to,
  }
}

/**
 * Records that a step's message does not go, once. A message waiting for a provider retry is skipped
 * too: the person may have unsubscribed since its first attempt.
 */
async function recordSkipped(
  ctx: ModuleContext,
  run: RunRow,
  step: { id: string; channel: SendChannel },
  to: string | null,
  reason: string,
  now: Date,
  rendered: Partial<RenderedMessage> & { segments?: number | null } = {}
): Promise<SendOutcome> {
  return await ctx.db.transaction(async (tx) => {
    if (!(await runSql.holdsClaim(tx, run))) {
      return "lost_claim" as const
    }
    const message = await insertMessageOnce(
      tx,
      { channel: step.channel, ...rendered, ...messageOf(ctx, run, step, to), status: "skipped", error: reason },
      now
    )
    if (message.created) {
      return "skipped" as const
    }
    const skipped =
      message.status === "retrying" && (await markMessage(tx, message.id, { status: "skipped", error: reason, now }, ["retrying"]))
    return skipped ? ("skipped" as const) : ("already_handled" as const)
  })
}

async function callProvider(
  ctx: ModuleContext,
  run: Pick<RunRow, "id" | "flow_id" | "contact_id">,
  step: { id: string; channel: SendChannel },
  message: RenderedMessage & { id: string; to: string },
  attempt: number,
  now: Date
): Promise<SendOutcome> {
  let result: DeliveryResult
  // `now` is when the send began; a refusal's Retry-After counts from when the answer came.
  const calledAt = Date.now()
  try {
    result = await ctx.channels[step.channel].deliver({
      ...message,
      idempotency_key: messageKey(run, step.id),
      flow_id: run.flow_id,
      run_id: run.id,
      step_id: step.id,
      unsubscribe_url: linksFor(ctx.options, { contact_id: run.contact_id, flow_id: run.flow_id }).unsubscribe,
    })
  } catch (error) {
    // Never before the real time: `now` was taken before rendering, and a Retry-After counts from the answer.
    const answeredAt = new Date(Math.max(now.getTime() + (Date.now() - calledAt), Date.now()))
    return await recordRefusal(ctx, run, message, error as Error, attempt, answeredAt)
  }
  // Past this point the provider has the message: nothing below may fail it, or a retry would send it twice.
  await recordSent(ctx, message.id, result, now, ctx.channels[step.channel].provider)
  await addToTimeline(ctx, run, `${step.channel}.sent`, message.id, now, { subject: message.subject ?? null })
  return "sent"
}

/**
 * Stores a send's result with its provider id, and applies the status callbacks that arrived before it.
 * The writes are retried; if they still fail the message stays `sending`, and a later tick marks it
 * `uncertain`: never `failed`, never sent again.
 */
async function recordSent(
  ctx: ModuleContext,
  messageId: string,
  result: DeliveryResult,
  now: Date,
  provider: string | null = null
): Promise<void> {
  if ((provider && provider !== "twilio") || !result.provider_id) {
    // Only Twilio's status callbacks can arrive before the provider id is stored; SendGrid's events carry our id.
    await withWriteRetries(() => markSent(ctx.db, messageId, result, now))
    return
  }
  const providerId = result.provider_id
  await withWriteRetries(() =>
    ctx.db.transaction(async (tx) => {
      await lockProviderId(tx, providerId)
      if (await markSent(tx, messageId, result, now)) {
        await applyTwilioStatusesAwaiting(tx, messageId, providerId, now)
      }
    })
  )
}

/** A provider call that threw: retried later, failed, or `uncertain` when it may have gone out. */
async function recordRefusal(
  ctx: ModuleContext,
  run: Pick<RunRow, "id" | "flow_id" | "contact_id">,
  message: { id: string; to: string },
  error: Error,
  attempt: number,
  now: Date
): Promise<SendOutcome> {
  if (!(error instanceof ProviderError)) {
    await markMessage(ctx.db, message.id, { status: "failed", error: error.message, now })
    return "failed"
  }
  const { retryable, code, retryAfterMs, recipientOptedOut, mayHaveBeenSent } = error.details
  if (mayHaveBeenSent) {
    // Only from `sending`: a queued send whose result came in meanwhile keeps it.
    await markMessage(ctx.db, message.id, { status: "uncertain", error: error.message, error_code: code, now }, ["sending"])
    return "uncertain"
  }
  const retryAt = retryable ? nextAttemptAt(ctx.options.delivery, attempt, now, retryAfterMs) : null
  if (retryAt) {
    await markMessage(ctx.db, message.id, { status: "retrying", error: error.message, error_code: code, now })
    return { deferred_until: retryAt, reason: "provider_retry" }
  }
  await markMessage(ctx.db, message.id, { status: "failed", error: error.message, error_code: code, now })
  if (recipientOptedOut) {
    // The number replied STOP to our sender at some point: no contact may text it any more.
    await setPhoneConsent(ctx.db, message.to, "unsubscribed", now)
    await addToTimeline(ctx, run, "sms.opted_out", message.id, now, { error_code: code })
  }
  return "failed"
}

/**
 * A send that went through the Redis queue finished. Its caller records it too, unless it stopped
 * waiting: then the message is `uncertain`, and this settles it, sent with its provider id or refused.
 */
export async function recordQueuedOutcome(ctx: ModuleContext, messageId: string, outcome: QueuedOutcome, now = new Date()) {
  if ("result" in outcome) {
    await recordSent(ctx, messageId, outcome.result, now)
    return
  }
  const { message, details } = outcome.error
  await markMessage(ctx.db, messageId, { status: "failed", error: message, error_code: details.code ?? null, now }, ["uncertain"])
}

async function addToTimeline(
  ctx: ModuleContext,
  run: Pick<RunRow, "id" | "flow_id" | "contact_id">,
  type: string,
  messageId: string,
  now: Date,
  data: Record<string, unknown>
) {
  if (!run.contact_id) {
    return
  }
  await addTimelineEntry(ctx.db, {
    contact_id: run.contact_id,
    type,
    occurred_at: now,
    dedupe_key: `${type}:${messageId}`,
    flow_id: run.flow_id,
    run_id: run.id,
    message_id: messageId,
    data,
  })
}

/**
 * `decideSend` again inside the insert's transaction, with the contact's row locked: whoever takes the
 * lock second sees the first one's message, so a cap or a higher-priority flow holds it back. A run
 * without a contact has nothing to count.
 */
async function decideUnderLock(ctx: ModuleContext, tx: Database, run: RunRow, step: DeliveryStep, now: Date) {
  // Every read joins the transaction: a second connection per run would starve the pool.
  return decideSend(await sendFactsFor({ ...ctx, db: tx }, run, step, now, { lockContact: true }), now)
}

/** Sends a message that belongs to no run (a test send, a confirmation) once, now, without retries. */
export async function sendStandalone(
  ctx: ModuleContext,
  step: { id: string; channel: SendChannel },
  message: { idempotency_key: string; to: string; contact_id: string | null; flow_id: string | null },
  rendered: RenderedMessage,
  now: Date
): Promise<string> {
  const channel = ctx.channels[step.channel]
  const { id, created } = await insertMessageOnce(
    ctx.db,
    {
      ...rendered,
      ...message,
      run_id: null,
      step_id: step.id,
      provider: channel.provider,
      status: "sending",
      segments: step.channel === "sms" ? countSegments(rendered.text ?? "").segments : null,
    },
    now
  )
  if (!created) {
    return id
  }
  let result: DeliveryResult
  try {
    result = await channel.deliver({
      ...rendered,
      id,
      idempotency_key: id,
      to: message.to,
      flow_id: message.flow_id ?? step.id,
      run_id: "none",
      step_id: step.id,
    })
  } catch (error) {
    const details = error instanceof ProviderError ? error.details : null
    const status = details?.mayHaveBeenSent ? "uncertain" : "failed"
    await markMessage(ctx.db, id, { status, error: (error as Error).message, error_code: details?.code ?? null, now }, ["sending"])
    return id
  }
  await recordSent(ctx, id, result, now, channel.provider)
  return id
}

/**
 * Sends one step's content to an address the owner gives, to see it as recipients will. It is
 * logged like any message, marked as a test, and skips consent, quiet hours and the cap.
 */
export async function sendTestMessage(
  ctx: ModuleContext,
  flowId: string,
  step: { id: string; channel: SendChannel },
  to: string,
  rendered: RenderedMessage,
  now = new Date()
) {
  let recipient = to.trim()
  if (step.channel === "sms") {
    const phone = normalizePhone(recipient, ctx.options.twilio?.defaultCountry)
    if ("invalid" in phone) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, `Cannot text ${to}: ${phone.invalid}`)
    }
    recipient = phone.e164
  }
  const id = await sendStandalone(
    ctx,
    step,
    { idempotency_key: `test:${randomUUID()}`, to: recipient, contact_id: null, flow_id: flowId },
    rendered,
    now
  )
  await ctx.service.updateMessages({ id, metadata: { test: true } }, ctx.shared)
  return await ctx.service.retrieveMessage(id, {}, ctx.shared)
}

/**
 * Sends a failed or uncertain flow message again, once: the status moves to sending in one conditional
 * update, so a double click or two admins cannot send it twice. Consent is checked again. An uncertain
 * message may already have reached the person, so it is only sent again when `confirmDuplicateRisk` says so.
 */
export async function retryMessage(ctx: ModuleContext, id: string, { confirmDuplicateRisk = false } = {}, now = new Date()) {
  const message = await ctx.db.first(
    `SELECT id, flow_id, run_id, step_id, contact_id, channel, status, "to", subject, preheader, html, text
     FROM flows_message WHERE id = ? AND deleted_at IS NULL`,
    [id]
  )
  if (!message) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `Message ${id} was not found`)
  }
  if (!["failed", "uncertain"].includes(message.status) || !message.run_id) {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      message.run_id
        ? `Only a failed or uncertain message can be retried; this one is ${message.status}`
        : "A test message is sent again from the flow editor"
    )
  }
  if (message.status === "uncertain" && !confirmDuplicateRisk) {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      "This message may already have been sent (the provider did not answer): sending it again may duplicate it. Confirm with confirm_duplicate_risk: true"
    )
  }
  const contact = await consentOf(ctx.db, message.contact_id)
  const refusal = consentRefusal({
    channel: message.channel,
    flow_id: message.flow_id,
    to: message.to,
    consent: {
      email: contact?.email_consent ?? null,
      phone: message.channel === "sms" ? await phoneConsentOf(ctx.db, message.to) : null,
      unsubscribed_flows: contact?.unsubscribed_flows ?? [],
    },
    email_policy: ctx.options.defaults.emailConsent,
  })
  const suppressed = suppressionRefusal({ channel: message.channel, suppressed: await isSuppressed(ctx, message.channel, message.to) })
  if (refusal ?? suppressed) {
    throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `Not retried: ${refusal ?? suppressed}`)
  }
  const claimed = await ctx.db.first(
    `UPDATE flows_message SET status = 'sending', error = NULL, error_code = NULL, attempts = attempts + 1, updated_at = ?
     WHERE id = ? AND status = ? RETURNING id`,
    [now, id, message.status]
  )
  if (!claimed) {
    throw new MedusaError(MedusaError.Types.CONFLICT, "This message is already being retried")
  }
  const run = { id: message.run_id, flow_id: message.flow_id, contact_id: message.contact_id }
  // As the last allowed attempt: a provider that refuses again fails the message, for the owner to see.
  await callProvider(
    ctx,
    run,
    { id: message.step_id, channel: message.channel },
    message as RenderedMessage & { id: string; to: string },
    ctx.options.delivery.maxAttempts,
    now
  )
  return await ctx.service.retrieveMessage(id, {}, ctx.shared)
}
