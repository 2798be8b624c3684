import { CUSTOM_ARG_PREFIX } from "./channels/sendgrid"
import { normalizePhone } from "./channels/recipients"

/** What a SendGrid event means for the message, the timeline and consent. */
export const SENDGRID_EVENTS: Record<string, { status?: string; suppress?: boolean }> = {
  processed: { status: "sent" },
  delivered: { status: "delivered" },
  deferred: {},
  bounce: { status: "bounced" },
  dropped: { status: "dropped" },
  open: { status: "opened" },
  click: { status: "clicked" },
  spamreport: { suppress: true },
  unsubscribe: { suppress: true },
  group_unsubscribe: { suppress: true },
}

export type SendGridEvent = Record<string, unknown> & { event: string; sg_event_id?: string; email?: string }

export function messageIdOf(event: SendGridEvent): { id: string | null; provider_id: string | null } {
  const id = event[`${CUSTOM_ARG_PREFIX}message_id`]
  // sg_message_id is the X-Message-Id we stored, followed by ".filter..." on SendGrid's side.
  const providerId = typeof event.sg_message_id === "string" ? event.sg_message_id.split(".")[0] : null
  return { id: typeof id === "string" ? id : null, provider_id: providerId }
}

/** A hard bounce means the address does not exist; a "blocked" bounce is temporary. */
export function suppresses(event: SendGridEvent): boolean {
  return Boolean(SENDGRID_EVENTS[event.event]?.suppress) || (event.event === "bounce" && event.type !== "blocked")
}

export const TWILIO_STATUSES: Record<string, string> = {
  sent: "sent",
  delivered: "delivered",
  undelivered: "undelivered",
  failed: "failed",
}

const STOP_WORDS = new Set(["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"])
const START_WORDS = new Set(["START", "UNSTOP", "YES"])

/** The consent keyword an inbound text is, matched without regard to case or surrounding spaces. */
export function smsKeyword(body: string | undefined): "stop" | "start" | "help" | null {
  const word = (body ?? "").trim().toUpperCase()
  if (STOP_WORDS.has(word)) {
    return "stop"
  }
  if (START_WORDS.has(word)) {
    return "start"
  }
  return word === "HELP" ? "help" : null
}

export function e164OrRaw(phone: string, defaultCountry?: string): string {
  const normalized = normalizePhone(phone, defaultCountry)
  return "e164" in normalized ? normalized.e164 : phone
}
