import type { MessageStatus } from "../../../engine/constants"

/** Statuses of a message the provider accepted, whatever happened to it after. */
export const SENT: MessageStatus[] = ["sent", "delivered", "opened", "clicked", "bounced", "dropped", "undelivered"]

/** Statuses of a message that went out and was not refused on the way. */
export const REACHED: MessageStatus[] = ["sent", "delivered", "opened", "clicked"]

/** Statuses that count against the frequency cap: out, going out now, or perhaps out (uncertain). */
export const COUNTED_FOR_CAP: MessageStatus[] = ["sending", "uncertain", ...REACHED]

/** Statuses that say the message did not reach the person. */
export const NOT_DELIVERED: MessageStatus[] = ["failed", "bounced", "dropped", "undelivered"]

/** Timeline entries that say a person unsubscribed or opted out. */
export const UNSUBSCRIBE_EVENTS = ["email.unsubscribed", "sms.opted_out"]
