import { MESSAGE_STATUSES, type MessageStatus } from "../../../engine/constants"

/** Statuses of a message the provider accepted, whatever happened to it after. */
export const SENT: MessageStatus[] = ["sent", "delivered", "opened", "clicked", "bounced", "dropped", "undelivered"]

/** Statuses of a message that went out and was not refused on the way. */
export const REACHED: MessageStatus[] = ["sent", "delivered", "opened", "clicked"]

/** Statuses that count against the frequency cap: out, going out now, or perhaps out (uncertain). */
export const COUNTED_FOR_CAP: MessageStatus[] = ["sending", "uncertain", ...REACHED]

/**
 * The complements of REACHED and COUNTED_FOR_CAP, for statements that must not let Postgres pick the index on
 * `status` (see engagementCountsOf in engagement.ts): `NOT IN` cannot be served by it.
 */
export const NOT_REACHED = MESSAGE_STATUSES.filter((status) => !REACHED.includes(status))
export const NOT_COUNTED_FOR_CAP = MESSAGE_STATUSES.filter((status) => !COUNTED_FOR_CAP.includes(status))

/** Statuses that say the message did not reach the person. */
export const NOT_DELIVERED: MessageStatus[] = ["failed", "bounced", "dropped", "undelivered"]

/** Timeline entries that say a person unsubscribed or opted out. */
export const UNSUBSCRIBE_EVENTS = ["email.unsubscribed", "sms.opted_out"]
