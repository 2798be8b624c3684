import type { ChannelName, EngagementLevel, UnengagedPolicy } from "./constants"

/**
 * What the plugin counted about one contact within the engagement window. Engagement is a human open,
 * a click (email or text), an order or cart activity; an open SendGrid flags as a machine open (Apple
 * Mail Privacy Protection) is not engagement.
 */
export type EngagementCounts = {
  /** The last engagement within the window, or null. */
  last_engaged_at: Date | null
  /** Flow messages that reached the contact after their last engagement (or within the window, when none). */
  messages_since: number
  /** When the plugin first knew the contact. */
  known_since: Date
  /** Human opens and clicks of email, and clicks of texts, within the window. */
  by_channel: Record<ChannelName, number>
}

export type EngagementRules = {
  /** Engaged longer ago than this: lapsing. */
  lapsing_after_ms: number
  /** Nothing for this long (known at least that long): unengaged. Also the window activity is counted in. */
  unengaged_after_ms: number
  /** This many flow messages since the last engagement: unengaged. Null: messages alone never make one unengaged. */
  unengaged_after_messages: number | null
}

/**
 * The contact's engagement level. `unengaged` when, since their last engagement (or since they became a
 * contact, when they never engaged), `unengaged_after_messages` flow messages reached them or
 * `unengaged_after_ms` passed; otherwise `new` when they never engaged, `lapsing` when their last
 * engagement is older than `lapsing_after_ms`, and `engaged`.
 */
export function engagementLevel(counts: EngagementCounts, rules: EngagementRules, now: Date): EngagementLevel {
  const quietSince = counts.last_engaged_at ?? counts.known_since
  const quietMs = now.getTime() - quietSince.getTime()
  const tooManyMessages = rules.unengaged_after_messages !== null && counts.messages_since >= rules.unengaged_after_messages
  if (tooManyMessages || quietMs >= rules.unengaged_after_ms) {
    return "unengaged"
  }
  if (!counts.last_engaged_at) {
    return "new"
  }
  return quietMs >= rules.lapsing_after_ms ? "lapsing" : "engaged"
}

/** What the send policy knows about engagement for one message. */
export type EngagementSendFact = {
  level: EngagementLevel
  /** The flow is marked `send_to_unengaged`. */
  send_to_unengaged: boolean
  policy: UnengagedPolicy
  /** With the stretched_cap policy: flow messages within the stretched window, and the most it allows. */
  stretched_cap: { sent: number; max: number } | null
}

/**
 * Why an unengaged contact does not get this message, or null. Flows marked `send_to_unengaged` always
 * may; otherwise, by policy, the message is refused (marked_flows), goes under a cap stretched by a
 * factor (stretched_cap), or goes as to anyone (all).
 */
export function engagementRefusal(fact: EngagementSendFact | null | undefined): string | null {
  if (!fact || fact.level !== "unengaged" || fact.send_to_unengaged || fact.policy === "all") {
    return null
  }
  if (fact.policy === "marked_flows") {
    return "contact is unengaged and this flow is not marked send_to_unengaged"
  }
  return fact.stretched_cap && fact.stretched_cap.sent >= fact.stretched_cap.max ? "frequency cap for unengaged contacts reached" : null
}

/** What picks the channel of a "preferred channel" step. */
export type ChannelChoiceFacts = {
  /** The contact's stated preference, or null. */
  stated: ChannelName | null
  /** How often they engaged with each channel within the window. */
  engagement: Record<ChannelName, number>
  /** Why a message on each channel could not go to this contact (consent, no address or number), or null. */
  refusal: Record<ChannelName, string | null>
}

export type ChannelChoice = { channel: ChannelName; because: "stated" | "engagement" | "default" | "fallback" | "earlier_attempt" }

const other = (channel: ChannelName): ChannelName => (channel === "email" ? "sms" : "email")

/**
 * The channel of a "preferred channel" step: the contact's stated preference, else the channel they
 * engage with more, else email. When that channel cannot be used (no consent, no address or number), the
 * other one is used only if it can: otherwise the first choice stands, and is refused by the send policy
 * with its reason.
 */
export function choosePreferredChannel(facts: ChannelChoiceFacts): ChannelChoice {
  const { email, sms } = facts.engagement
  const [first, because]: [ChannelName, ChannelChoice["because"]] = facts.stated
    ? [facts.stated, "stated"]
    : email !== sms
      ? [sms > email ? "sms" : "email", "engagement"]
      : ["email", "default"]
  if (facts.refusal[first] && !facts.refusal[other(first)]) {
    return { channel: other(first), because: "fallback" }
  }
  return { channel: first, because }
}
