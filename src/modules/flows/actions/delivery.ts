import { randomUUID } from "node:crypto"
import { MedusaError } from "@medusajs/framework/utils"
import {
  consentRefusal,
  contactTimezone,
  decideSend,
  nextSendOf,
  predictSend,
  type FlowDefinition,
  type HeldReason,
  type SendChannel,
  suppressionRefusal,
} from "../../../engine"
import { linksFor } from "../links/signed-links"
import { longestDeliveryMs } from "../channels"
import type { QueuedOutcome } from "../channels/rate-limited"
import { countSegments, normalizePhone } from "../channels/recipients"
import { nextAttemptAt } from "../channels/retry"
import { ProviderError, type DeliveryResult } from "../channels/types"
import { DEFAULT_MAX_SEGMENTS } from "../options"
import { addTimelineEntry, consentOf, type TimelineEntry } from "../sql/contacts"
import { insertMessageOnce, markMessage } from "../sql/messages"
import { phoneConsentOf, setPhoneConsent } from "../sql/phone-consent"
import { heldClaims } from "../sql/runs"
import { messageKey, type RenderedMessage, type RunRow } from "../types"
import { isSuppressed } from "./privacy"
import type { ModuleContext } from "./context"
import { claimSend } from "./claim-sends"
import { recordSent } from "./record-sent"
import { recipientOf, SendReads, sendFactsFor, type DeliveryStep } from "./send-facts"

/** What became of a send step. `uncertain`: the call may have reached the provider; it is not sent again. */
export type SendOutcome =
  | "sent"
  | "skipped"
  | "failed"
  | "uncertain"
  | "already_handled"
  | "lost_claim"
  | { deferred_until: Date; reason: "quiet_hours" | HeldReason | "provider_retry" | "in_flight" }

/** A step's rendered message, or why it could not be rendered. */
export type StepContent = { rendered: RenderedMessage } | { skip: string }

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
  const send = { run, step: { id: next.step_id, channel: next.channel, exempt: next.step.exempt, when_held: next.step.when_held }, now }
  const facts = await sendFactsFor(ctx, send, await SendReads.of(ctx, [send]))
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
  const send = { run, step, now }
  if (step.render_has_side_effects ?? true) {
    const decision = decideSend(await sendFactsFor(ctx, send, await SendReads.of(ctx, [send])), now)
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
  const claimed = await claimSend(ctx, {
    ...send,
    draft: { ...rendered, ...messageOf(ctx, run, step, to), segments, exempt: step.exempt ?? false },
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
    if (!(await heldClaims(tx, [run]))(run)) {
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
  await recordSent(ctx, message.id, result, now, {
    provider: ctx.channels[step.channel].provider,
    timeline: timelineEntry(run, `${step.channel}.sent`, message.id, now, { subject: message.subject ?? null }),
  })
  return "sent"
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
    const optedOut = timelineEntry(run, "sms.opted_out", message.id, now, { error_code: code })
    if (optedOut) {
      await addTimelineEntry(ctx.db, optedOut)
    }
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

/** The entry a run's message adds to its person's timeline; none without a contact. */
function timelineEntry(
  run: Pick<RunRow, "id" | "flow_id" | "contact_id">,
  type: string,
  messageId: string,
  now: Date,
  data: Record<string, unknown>
): TimelineEntry | null {
  if (!run.contact_id) {
    return null
  }
  return {
    contact_id: run.contact_id,
    type,
    occurred_at: now,
    dedupe_key: `${type}:${messageId}`,
    flow_id: run.flow_id,
    run_id: run.id,
    message_id: messageId,
    data,
  }
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
  await recordSent(ctx, id, result, now, { provider: channel.provider })
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
