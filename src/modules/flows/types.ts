import type { ChannelName, RunStatus, SubjectType } from "../../engine/constants"

/** Who an event is about. Every field is optional: a guest cart may have only an email. */
export type Identity = {
  cart_id?: string | null
  order_id?: string | null
  customer_id?: string | null
  email?: string | null
  phone?: string | null
  /** ISO country of the person's address: how a phone without +country code is read, and their time zone. */
  country_code?: string | null
  /** State, province or region and city of that address: where a country has several time zones, which one. */
  province?: string | null
  city?: string | null
  first_name?: string | null
  last_name?: string | null
  /** IANA zone, from a storefront sign-up. */
  timezone?: string | null
  /** IANA zone of the address, set by recordEvent from the fields above. */
  address_timezone?: string | null
}

/** A storefront sign-up: the channels asked for, who asked, and the exact text they agreed to. */
export type ConsentInput = {
  email?: string
  phone?: string
  country_code?: string
  first_name?: string
  last_name?: string
  timezone?: string
  channels: ChannelName[]
  /** The channel the person prefers, for preferred-channel steps. */
  preferred_channel?: ChannelName
  source: string
  text: string
}

/** A store event as the subscribers record it. */
export type StoreEvent = {
  name: string
  occurred_at: Date
  subject: { type: SubjectType; id: string }
  identity: Identity
  /** Live data the trigger filters are evaluated on: { cart }, { order }, { customer }. */
  facts: Record<string, unknown>
}

export type RunRow = {
  id: string
  flow_id: string
  flow_version_id: string
  subject_type: SubjectType
  subject_id: string
  cart_id: string | null
  order_id: string | null
  customer_id: string | null
  contact_id: string | null
  email: string | null
  phone: string | null
  status: RunStatus
  step_id: string | null
  step_entered_at: Date
  next_run_at: Date | null
  claim_token: string | null
  attempts: number
  context: Record<string, unknown>
  /** In the flow's holdout: sent nothing. */
  holdout?: boolean
  created_at: Date
}

/** A run's message for a step: flow, run and step. Its unique index is what stops a second send. */
export function messageKey(run: Pick<RunRow, "flow_id" | "id">, stepId: string): string {
  return `${run.flow_id}:${run.id}:${stepId}`
}

export type RenderedMessage = {
  channel: ChannelName
  subject?: string | null
  preheader?: string | null
  html?: string | null
  text?: string | null
}
