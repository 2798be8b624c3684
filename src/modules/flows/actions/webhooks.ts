import { CUSTOM_ARG_PREFIX } from "../channels/types"
import { e164OrRaw } from "../channels/recipients"
import { addConsentEvidence, addTimelineEntry, contactsWithPhone, setEmailConsent, upsertContact } from "../sql/contacts"
import { lastTextTo } from "../sql/messages"
import { setPhoneConsent } from "../sql/phone-consent"
import type { Database } from "../sql/database"
import { findMessage, firstTimeSeen, lockProviderId, recordMessageEvent, takeEventsAwaiting, type MessageRef } from "../sql/provider-events"

/** What a SendGrid event means for the message (status), the timeline (as) and consent (suppress). */
const SENDGRID_EVENTS: Record<string, { status?: string; as?: string; suppress?: boolean }> = {
  processed: { status: "sent" },
  delivered: { status: "delivered" },
  deferred: {},
  bounce: { status: "bounced" },
  dropped: { status: "dropped" },
  open: { status: "opened", as: "opened" },
  click: { status: "clicked", as: "clicked" },
  spamreport: { suppress: true },
  unsubscribe: { as: "unsubscribed", suppress: true },
  group_unsubscribe: { as: "unsubscribed", suppress: true },
}

export type SendGridEvent = Record<string, unknown> & { event: string; sg_event_id?: string; email?: string }

function messageIdOf(event: SendGridEvent): { id: string | null; provider_id: string | null } {
  const id = event[`${CUSTOM_ARG_PREFIX}message_id`]
  // sg_message_id is the X-Message-Id we stored, followed by ".filter..." on SendGrid's side.
  const providerId = typeof event.sg_message_id === "string" ? event.sg_message_id.split(".")[0] : null
  return { id: typeof id === "string" ? id : null, provider_id: providerId }
}

/**
 * Apple Mail Privacy Protection and similar proxies fetch every pixel, and SendGrid flags those opens with
 * `sg_machine_open`. They are kept on the timeline as `email.machine_opened` but move no status, so open
 * rates, engagement and conditions count people, not proxies.
 */
function meaningOf(event: SendGridEvent): { status?: string; as?: string; suppress?: boolean } {
  if (event.event === "open" && event.sg_machine_open === true) {
    return { as: "machine_opened" }
  }
  return SENDGRID_EVENTS[event.event] ?? {}
}

/** A hard bounce means the address does not exist; a "blocked" bounce is temporary. */
function suppresses(event: SendGridEvent): boolean {
  return Boolean(SENDGRID_EVENTS[event.event]?.suppress) || (event.event === "bounce" && event.type !== "blocked")
}

const TWILIO_STATUSES: Record<string, string> = {
  sent: "sent",
  delivered: "delivered",
  undelivered: "undelivered",
  failed: "failed",
}

const STOP_WORDS = new Set(["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"])
const START_WORDS = new Set(["START", "UNSTOP", "YES"])

/** The consent keyword an inbound text is, matched without regard to case or surrounding spaces. */
function smsKeyword(body: string | undefined): "stop" | "start" | "help" | null {
  const word = (body ?? "").trim().toUpperCase()
  if (STOP_WORDS.has(word)) {
    return "stop"
  }
  if (START_WORDS.has(word)) {
    return "start"
  }
  return word === "HELP" ? "help" : null
}

/**
 * Each event is recorded as seen and applied in one transaction: if applying fails, SendGrid's redelivery
 * finds it unseen and applies it then.
 */
export async function applySendGridEvents(db: Database, events: SendGridEvent[], now: Date) {
  let applied = 0
  for (const event of events) {
    if (await db.transaction((tx) => applySendGridEvent(tx, event, now))) {
      applied += 1
    }
  }
  return { received: events.length, applied }
}

async function applySendGridEvent(db: Database, event: SendGridEvent, now: Date): Promise<boolean> {
  const message = await findMessage(db, messageIdOf(event))
  const eventId = String(event.sg_event_id ?? `${event.event}:${event.sg_message_id ?? ""}:${event.timestamp ?? ""}`)
  const fresh = await firstTimeSeen(
    db,
    { provider: "sendgrid", event_id: eventId, type: event.event, message_id: message?.id ?? null },
    now
  )
  if (!fresh) {
    return false
  }
  const meaning = meaningOf(event)
  const reason = [event.reason, event.response].find((v) => typeof v === "string") as string | undefined
  if (message && meaning.as === "machine_opened") {
    // Counted apart from human opens (analytics' `machine_opened`), the first fetch only.
    await db.rows(`UPDATE flows_message SET machine_opened_at = ?, updated_at = ? WHERE id = ? AND machine_opened_at IS NULL`, [
      typeof event.timestamp === "number" ? new Date(event.timestamp * 1000) : now,
      now,
      message.id,
    ])
  }
  if (message) {
    const failed = meaning.status === "bounced" || meaning.status === "dropped"
    await recordMessageEvent(
      db,
      message,
      {
        status: meaning.status,
        error: failed ? reason : null,
        type: `email.${meaning.as ?? event.event}`,
        occurred_at: typeof event.timestamp === "number" ? new Date(event.timestamp * 1000) : now,
        dedupe_key: `sendgrid:${eventId}`,
        data: { url: event.url ?? null, reason: reason ?? null },
      },
      now
    )
  }
  if (suppresses(event) && typeof event.email === "string") {
    await setEmailConsent(db, { email: event.email }, "unsubscribed", now)
  }
  return true
}

/**
 * Applies a Twilio status callback to the message it is about, recording it as seen in the same
 * transaction. A callback can beat the write that stores the send's MessageSid: it is then kept, and
 * applied by `applyTwilioStatusesAwaiting` when the message gets that sid.
 */
export async function applyTwilioStatus(db: Database, params: Record<string, string>, now: Date) {
  await db.transaction(async (tx) => {
    await lockProviderId(tx, params.MessageSid)
    const message = await findMessage(tx, { provider_id: params.MessageSid })
    const fresh = await firstTimeSeen(
      tx,
      {
        provider: "twilio",
        event_id: `${params.MessageSid}:${params.MessageStatus}`,
        type: params.MessageStatus,
        message_id: message?.id ?? null,
        pending: message ? undefined : { provider_id: params.MessageSid, payload: params },
      },
      now
    )
    if (fresh && message) {
      await applyTwilioStatusTo(tx, message, params, now)
    }
  })
}

/** Applies the status callbacks kept for `providerId`; call it in the transaction that stores that id on the message. */
export async function applyTwilioStatusesAwaiting(db: Database, messageId: string, providerId: string, now: Date) {
  const waiting = await takeEventsAwaiting(db, providerId, messageId, now)
  for (const params of waiting) {
    // Read each time: the previous callback may have moved the status on.
    const message = await findMessage(db, { id: messageId })
    await applyTwilioStatusTo(db, message!, params, now)
  }
}

async function applyTwilioStatusTo(db: Database, message: MessageRef, params: Record<string, string>, now: Date) {
  const code = params.ErrorCode || null
  await recordMessageEvent(
    db,
    message,
    {
      status: TWILIO_STATUSES[params.MessageStatus],
      error_code: code,
      error: code ? `Twilio error ${code}` : null,
      type: `sms.${params.MessageStatus}`,
      occurred_at: now,
      dedupe_key: `twilio:${params.MessageSid}:${params.MessageStatus}`,
      data: { error_code: code },
    },
    now
  )
}

/**
 * STOP and START change the SMS consent of the number that texted, whoever holds it: every contact with
 * that number sees the opt-out on its timeline, and the last text sent to the number is credited with it.
 */
export async function applyInboundSms(db: Database, params: Record<string, string>, now: Date) {
  const keyword = smsKeyword(params.Body)
  if (keyword !== "stop" && keyword !== "start") {
    return keyword
  }
  // Seen and applied together: a failure half-way lets Twilio's retry apply it, not skip it as a duplicate.
  await db.transaction((tx) => applyConsentReply(tx, keyword, params, now))
  return keyword
}

async function applyConsentReply(db: Database, keyword: "stop" | "start", params: Record<string, string>, now: Date) {
  const eventId = params.MessageSid ? `inbound:${params.MessageSid}` : null
  if (eventId && !(await firstTimeSeen(db, { provider: "twilio", event_id: eventId, type: keyword, message_id: null }, now))) {
    return
  }
  const phone = e164OrRaw(params.From)
  const state = keyword === "stop" ? "unsubscribed" : "granted"
  await setPhoneConsent(db, phone, state, now)
  // A STOP answers the last text the number got: that message's flow is credited with the opt-out.
  const answered = keyword === "stop" ? await lastTextTo(db, phone) : null
  const holders = await contactsWithPhone(db, phone)
  const contactIds = [...new Set([answered?.contact_id, ...holders].filter((id): id is string => Boolean(id)))]
  if (!contactIds.length) {
    contactIds.push((await upsertContact(db, { phone }, now))!)
  }
  // The reply itself is the evidence: it is how a sign-up is confirmed (SMS double opt-in).
  await addConsentEvidence(
    db,
    {
      contact_id: contactIds[0],
      channel: "sms",
      state,
      recipient: phone,
      source: "sms_reply",
      text: params.Body,
    },
    now
  )
  for (const contactId of contactIds) {
    await addTimelineEntry(db, {
      contact_id: contactId,
      type: keyword === "stop" ? "sms.opted_out" : "sms.opted_in",
      occurred_at: now,
      dedupe_key: params.MessageSid ? `twilio:inbound:${params.MessageSid}:${contactId}` : null,
      flow_id: answered?.flow_id ?? null,
      run_id: answered?.run_id ?? null,
      message_id: answered?.id ?? null,
      data: { body: params.Body, phone },
    })
  }
}
