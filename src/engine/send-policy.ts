import type { ChannelName, EmailConsentMode } from "./constants"
import { quietHoursEnd } from "./durations"
import { smartSendingHold, type HeldReason, type SmartSendingFacts } from "./smart-sending"
import { engagementRefusal, type EngagementSendFact } from "./engagement"

export type SendChannel = ChannelName

/** What decides whether a step's message may go: known before anything is rendered. */
export type SendFacts = {
  channel: SendChannel
  flow_id: string
  /** The address or E.164 number it would go to, or null when the run has none. */
  to: string | null
  /** Why `to` cannot be used (an invalid phone number), if so. */
  invalid_recipient: string | null
  /** The address's consent (email) and the number's (sms); null when never given. */
  consent: { email: string | null; phone: string | null; unsubscribed_flows: string[] }
  /** opt_out: email to everyone who has not unsubscribed; opt_in: only to who said yes. */
  email_policy: EmailConsentMode
  /** Quiet hours for texts in the recipient's zone; null when they do not apply (compressed demo time). */
  quiet_hours: { start: string; end: string } | null
  timezone: string
  /** Messages this person got within the frequency cap's window, and the most it allows. */
  cap: { sent: number; max: number }
  /** The address or number is on the suppression list (its marketing data was erased). Absent: not suppressed. */
  suppressed?: boolean
  /**
   * Smart sending: per-channel caps, exempt steps and flow priority. When given, it decides the cap in
   * place of `cap`, and a held message waits or is skipped as its step says.
   */
  smart?: SmartSendingFacts
  /** The contact's engagement and what unengaged contacts get; absent: not considered. */
  engagement?: EngagementSendFact | null
}

export type SendDecision =
  { action: "skip"; reason: string } | { action: "defer"; until: Date; reason: "quiet_hours" | HeldReason } | { action: "send"; to: string }

/**
 * Why the recipient may not get a flow message on this channel, or null. SMS is opt-in only and the
 * consent is the receiving number's own; email goes out unless the address unsubscribed (from all email
 * or from this flow), or with the opt_in policy only to addresses that said yes.
 */
export function consentRefusal(facts: Pick<SendFacts, "channel" | "flow_id" | "to" | "consent" | "email_policy">): string | null {
  const { channel, to, consent } = facts
  if (!to) {
    return channel === "email" ? "no email address" : "no phone number"
  }
  const state = channel === "email" ? consent.email : consent.phone
  if (state === "unsubscribed") {
    return `unsubscribed from ${channel}`
  }
  if (channel === "sms" && state === "pending") {
    return "SMS consent not confirmed yet"
  }
  if (channel === "sms" && state !== "granted") {
    return "no SMS consent for this number"
  }
  if (channel === "email" && facts.email_policy === "opt_in" && state !== "granted") {
    return "no email consent"
  }
  return consent.unsubscribed_flows.includes(facts.flow_id) ? "unsubscribed from this flow" : null
}

/** Why an erased person's address or number may not be messaged, or null: it comes before consent. */
export function suppressionRefusal(facts: Pick<SendFacts, "channel" | "suppressed">): string | null {
  return facts.suppressed ? `${facts.channel === "email" ? "address" : "number"} is suppressed (marketing data erased)` : null
}

/**
 * Whether a step's message may go now, decided before it is rendered, so a message that will not go
 * creates no discount code and no link. A text waits out the recipient's quiet hours (email is not held
 * back); past the frequency cap the message is skipped. With smart sending facts, a message held by a
 * cap or by a higher-priority flow's message waits until it may go, or is skipped, as its step says.
 */
export function decideSend(facts: SendFacts, now: Date): SendDecision {
  const refusal = facts.invalid_recipient ?? suppressionRefusal(facts) ?? consentRefusal(facts) ?? engagementRefusal(facts.engagement)
  if (refusal) {
    return { action: "skip", reason: refusal }
  }
  const quietUntil = facts.channel === "sms" && facts.quiet_hours ? quietHoursEnd(now, facts.quiet_hours, facts.timezone) : null
  if (quietUntil) {
    return { action: "defer", until: quietUntil, reason: "quiet_hours" }
  }
  if (facts.smart) {
    const hold = smartSendingHold({ ...facts.smart, channel: facts.channel, flow_id: facts.flow_id }, now)
    if (hold && facts.smart.when_held === "wait") {
      return { action: "defer", until: hold.until, reason: hold.reason }
    }
    return hold ? { action: "skip", reason: hold.message } : { action: "send", to: facts.to! }
  }
  if (facts.cap.sent >= facts.cap.max) {
    return { action: "skip", reason: "frequency cap reached" }
  }
  return { action: "send", to: facts.to! }
}
