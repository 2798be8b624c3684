// The plugin's fixed vocabularies, each listed once. No imports: the admin bundle reads this file too,
// and must not pull in zod, liquidjs or Medusa's server code.

export const CHANNELS = ["email", "sms"] as const
/** A channel's name; `Channel` in src/modules/flows/channels is the provider behind one. */
export type ChannelName = (typeof CHANNELS)[number]

/** What a run is about; "contact" for flows that run once per person, whatever started them. */
export const SUBJECT_TYPES = ["cart", "order", "customer", "contact"] as const
export type SubjectType = (typeof SUBJECT_TYPES)[number]

/**
 * Whom a flow's re-entry rule counts: each subject (each cart, each order), or the person behind it. With
 * "person" a person has one run of the flow at a time, and a newer cart or order of theirs joins that run.
 */
export const REENTRY_SCOPES = ["subject", "person"] as const
export type ReentryScope = (typeof REENTRY_SCOPES)[number]

export const FLOW_STATUSES = ["draft", "active", "paused"] as const
export type FlowStatus = (typeof FLOW_STATUSES)[number]

export const RUN_STATUSES = ["active", "completed", "exited", "failed"] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

/**
 * sending: the provider call is under way or its outcome is unknown, so it is never sent again.
 * retrying: the provider refused for now (429, 5xx); the run tries again later.
 * uncertain: the call may have reached the provider (it timed out, or the worker stopped during it), so
 * it is never sent again automatically; the outbox shows it, and a manual retry warns of a duplicate.
 */
export const MESSAGE_STATUSES = [
  "sending",
  "retrying",
  "uncertain",
  "sent",
  "delivered",
  "opened",
  "clicked",
  "skipped",
  "failed",
  "bounced",
  "dropped",
  "undelivered",
] as const
export type MessageStatus = (typeof MESSAGE_STATUSES)[number]

/** An address's own email consent; "unknown" until it is given or withdrawn. */
export const EMAIL_CONSENT_STATES = ["unknown", "granted", "unsubscribed"] as const
export type EmailConsentState = (typeof EMAIL_CONSENT_STATES)[number]

/** pending: asked for on the storefront, waiting for the number to reply YES to the confirmation text. */
export const PHONE_CONSENT_STATES = ["pending", "granted", "unsubscribed"] as const
export type PhoneConsentState = (typeof PHONE_CONSENT_STATES)[number]

/** The decisions consent evidence records; requested: a form asked for texts, to be confirmed by a YES. */
export const CONSENT_EVIDENCE_STATES = ["requested", "granted", "unsubscribed"] as const
export type ConsentEvidenceState = (typeof CONSENT_EVIDENCE_STATES)[number]

/**
 * opt_out: email goes to everyone who has not unsubscribed (soft opt-in, as for past buyers).
 * opt_in: only to people who gave email consent, as the GDPR asks of marketing in the EU.
 */
export const EMAIL_CONSENT_MODES = ["opt_out", "opt_in"] as const
export type EmailConsentMode = (typeof EMAIL_CONSENT_MODES)[number]

export const DURATION_UNITS = ["seconds", "minutes", "hours", "days"] as const
export type DurationUnit = (typeof DURATION_UNITS)[number]

export const CONDITION_OPERATORS = ["eq", "neq", "gt", "gte", "lt", "lte", "exists", "not_exists", "contains", "in", "not_in"] as const
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number]

/** Whether the operator's value is a list. */
export function takesList(op: string): boolean {
  return op === "in" || op === "not_in"
}

/** Whether the operator takes no value. */
export function takesNoValue(op: string): boolean {
  return op === "exists" || op === "not_exists"
}

export const TRIGGER_EVENTS = [
  "cart.updated",
  "order.placed",
  "customer.created",
  "shipment.created",
  "delivery.created",
  "order.fulfillment_created",
  /** A storefront sign-up with email consent (POST /store/flows/consent), guests included. */
  "newsletter.subscribed",
  /** A customer whose last order is older than the trigger's `inactive_for`; found by a scheduled check. */
  "customer.inactive",
] as const
export type TriggerEvent = (typeof TRIGGER_EVENTS)[number]

export const EXIT_EVENTS = ["order.placed", "order.canceled", "customer.deleted"] as const
export type ExitEvent = (typeof EXIT_EVENTS)[number]

/** The identifiers an exit event is matched on, by default all of them. */
export const MATCH_KEYS = ["cart_id", "order_id", "customer_id", "email"] as const
export type MatchKey = (typeof MATCH_KEYS)[number]

/** The blocks an email can be built from in the designer (`template.blocks`). */
export const EMAIL_BLOCK_TYPES = ["header", "text", "image", "button", "items", "recommendations", "discount", "divider", "footer"] as const
export type EmailBlockType = (typeof EMAIL_BLOCK_TYPES)[number]

/**
 * Fonts a brand may use: families every mail client has, with their fallbacks. Web fonts are not
 * offered; Outlook and Gmail ignore them. No name needs quotes, so a stack is safe in a style attribute.
 */
export const BRAND_FONTS = {
  helvetica: "Helvetica, Arial, sans-serif",
  arial: "Arial, Helvetica, sans-serif",
  verdana: "Verdana, Geneva, sans-serif",
  tahoma: "Tahoma, Verdana, sans-serif",
  trebuchet: "Trebuchet MS, Helvetica, sans-serif",
  georgia: "Georgia, Times New Roman, serif",
  times: "Times New Roman, Times, serif",
  courier: "Courier New, Courier, monospace",
} as const
export type BrandFont = keyof typeof BRAND_FONTS

/** The variables the template editor's picker offers, by group; `template-variables.ts` has their types. */
export const TEMPLATE_VARIABLE_GROUPS = [
  { label: "Customer", names: ["customer.first_name", "customer.last_name", "customer.email", "customer.phone"] },
  { label: "Cart", names: ["cart.item_count", "cart.subtotal", "cart.total", "links.recovery"] },
  {
    label: "Order",
    names: ["order.display_id", "order.item_count", "order.subtotal", "order.shipping_total", "order.tax_total", "order.total"],
  },
  { label: "Discount", names: ["discount.code", "discount.value", "discount.expires_at"] },
  { label: "Store", names: ["store.name", "store.url", "store.address", "flow.name"] },
  { label: "Links", names: ["links.unsubscribe", "links.preferences"] },
] as const
/**
 * What a send step does when smart sending holds it back (a channel's cap, the cross-flow maximum, or a
 * higher-priority flow's message): skip it, or wait until it may go.
 */
export const WHEN_HELD_RULES = ["skip", "wait"] as const
export type WhenHeldRule = (typeof WHEN_HELD_RULES)[number]

/** A flow's priority: when two flows' messages for one person compete, the higher one goes. */
export const FLOW_PRIORITY_MIN = 0
export const FLOW_PRIORITY_MAX = 100
export const DEFAULT_FLOW_PRIORITY = 50
/**
 * How a contact engages, from human opens, clicks, orders and cart activity (machine opens never count).
 * new: no engagement yet and not long or often enough messaged to judge; engaged: engaged recently;
 * lapsing: engaged, but not lately; unengaged: nothing for the configured number of messages or days.
 */
export const ENGAGEMENT_LEVELS = ["new", "engaged", "lapsing", "unengaged"] as const
export type EngagementLevel = (typeof ENGAGEMENT_LEVELS)[number]

/** What unengaged contacts get: only flows marked `send_to_unengaged`, a cap stretched by a factor, or everything. */
export const UNENGAGED_POLICIES = ["marked_flows", "stretched_cap", "all"] as const
export type UnengagedPolicy = (typeof UNENGAGED_POLICIES)[number]
