import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { FLOWS_MODULE } from "../../modules/flows"
import type { EntryBatch } from "../../modules/flows/actions/entry"
import type FlowsModuleService from "../../modules/flows/service"
import type { Identity, StoreEvent } from "../../modules/flows/types"
import { liveRecords, preloadRecords, type Query, type RecordSource, type StoreEntity } from "./load-facts"

function personFrom(record: Record<string, any> | undefined) {
  const customer = record?.customer
  const address = record?.shipping_address ?? record?.billing_address
  return {
    customer_id: record?.customer_id ?? customer?.id ?? null,
    email: record?.email ?? customer?.email ?? null,
    phone: customer?.phone ?? address?.phone ?? null,
    country_code: address?.country_code ?? null,
    province: address?.province ?? null,
    city: address?.city ?? null,
    first_name: customer?.first_name ?? address?.first_name ?? null,
    last_name: customer?.last_name ?? address?.last_name ?? null,
  }
}

async function cartEvent(records: RecordSource, name: string, cartId: string, receivedAt: Date): Promise<StoreEvent | null> {
  const cart = await records("cart", cartId)
  if (!cart) {
    return null
  }
  return {
    name,
    occurred_at: receivedAt,
    subject: { type: "cart", id: cart.id },
    identity: { cart_id: cart.id, ...personFrom(cart) },
    facts: { cart, customer: cart.customer ?? undefined },
  }
}

async function orderEvent(records: RecordSource, name: string, orderId: string, receivedAt: Date): Promise<StoreEvent | null> {
  const order = await records("order", orderId)
  if (!order) {
    return null
  }
  const identity: Identity = { order_id: order.id, cart_id: order.cart?.id ?? null, ...personFrom(order) }
  return {
    name,
    occurred_at: receivedAt,
    subject: { type: "order", id: order.id },
    identity,
    facts: { order, customer: order.customer ?? undefined },
  }
}

async function orderIdOfFulfillment(query: Query, fulfillmentId: string): Promise<string | null> {
  const { data } = await query.graph({
    entity: "fulfillment",
    fields: ["id", "order.id"],
    filters: { id: fulfillmentId },
  })
  return data[0]?.order?.id ?? null
}

/** A customer's default shipping and billing addresses, where a cart or order has its own. */
function withDefaultAddresses(customer: Record<string, any>) {
  const addresses = (customer.addresses ?? []) as Record<string, any>[]
  return {
    ...customer,
    shipping_address: addresses.find((a) => a?.is_default_shipping) ?? null,
    billing_address: addresses.find((a) => a?.is_default_billing) ?? addresses[0] ?? null,
  }
}

async function customerEvent(records: RecordSource, name: string, customerId: string, receivedAt: Date): Promise<StoreEvent | null> {
  const customer = await records("customer", customerId)
  if (!customer) {
    return null
  }
  return {
    name,
    occurred_at: receivedAt,
    subject: { type: "customer", id: customer.id },
    identity: { ...personFrom(withDefaultAddresses(customer)), customer_id: customer.id },
    facts: { customer },
  }
}

/** Medusa soft-deletes the customer before the event: only its id and email are left to find its runs by. */
async function deletedCustomerEvent(query: Query, customerId: string, receivedAt: Date): Promise<StoreEvent> {
  const { data } = await query.graph({ entity: "customer", fields: ["id", "email"], filters: { id: customerId }, withDeleted: true })
  return {
    name: "customer.deleted",
    occurred_at: receivedAt,
    subject: { type: "customer", id: customerId },
    identity: { customer_id: customerId, email: data[0]?.email ?? null },
    facts: {},
  }
}

/**
 * The record an event's facts come from, known from its payload alone (shipments and deliveries need a
 * lookup); none when the payload lacks its id.
 */
function recordOfEvent(name: string, data: Record<string, any>): { entity: StoreEntity; id: string } | null {
  const record = (entity: StoreEntity, id: unknown) => (typeof id === "string" && id ? { entity, id } : null)
  switch (name) {
    case "cart.created":
    case "cart.updated":
      return record("cart", data.id)
    case "order.placed":
    case "order.canceled":
      return record("order", data.id)
    case "order.fulfillment_created":
      return record("order", data.order_id)
    case "customer.created":
      return record("customer", data.id)
    default:
      return null
  }
}

/**
 * Turns a Medusa event into what the flows module records: who it is about, and the live facts.
 * `receivedAt` is when the store raised it: runs it starts begin then, however late it is recorded.
 */
export async function toStoreEvent(
  container: MedusaContainer,
  name: string,
  data: Record<string, any>,
  receivedAt: Date = new Date(),
  records?: RecordSource
): Promise<StoreEvent | null> {
  const query: Query = container.resolve(ContainerRegistrationKeys.QUERY)
  const source = records ?? liveRecords(query)
  switch (name) {
    case "cart.created":
    case "cart.updated":
      return await cartEvent(source, name, data.id, receivedAt)
    case "order.placed":
    case "order.canceled":
      return await orderEvent(source, name, data.id, receivedAt)
    case "order.fulfillment_created":
      return await orderEvent(source, name, data.order_id, receivedAt)
    case "shipment.created":
    case "delivery.created": {
      const orderId = await orderIdOfFulfillment(query, data.id)
      return orderId ? await orderEvent(source, name, orderId, receivedAt) : null
    }
    case "customer.created":
      return await customerEvent(source, name, data.id, receivedAt)
    case "customer.deleted":
      return await deletedCustomerEvent(query, data.id, receivedAt)
    default:
      return null
  }
}

/** What events recorded together share: their carts, orders and customers, and the active flows. */
export type RecordingBatch = { records: RecordSource; entry: EntryBatch }

/**
 * Reads the records of a batch of events at once: three queries for the batch rather than a few an event.
 * Should that read fail, each event loads its own and succeeds or fails on its own.
 */
export async function recordingBatch(
  container: MedusaContainer,
  events: { name: string; data: Record<string, any> }[]
): Promise<RecordingBatch> {
  const query: Query = container.resolve(ContainerRegistrationKeys.QUERY)
  const wanted = events.flatMap((event) => recordOfEvent(event.name, event.data) ?? [])
  try {
    return { records: await preloadRecords(query, wanted), entry: {} }
  } catch {
    return { records: liveRecords(query), entry: {} }
  }
}

/** Loads the event's facts and records it: the runs it starts and ends. The scheduler calls it, off the request path. */
export async function recordStoreEvent(
  container: MedusaContainer,
  name: string,
  data: Record<string, any>,
  receivedAt?: Date,
  batch?: RecordingBatch
) {
  const event = await toStoreEvent(container, name, data, receivedAt, batch?.records)
  if (!event) {
    return null
  }
  const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
  return await flows.recordEvent(event, {}, batch?.entry)
}

/**
 * What an event is about, from its payload alone (the subscriber loads nothing): `cart:<id>`, `order:<id>`,
 * `customer:<id>`; shipments and deliveries carry only their fulfillment's id.
 */
export function subjectKeyOf(name: string, data: Record<string, any>): string {
  switch (name) {
    case "order.fulfillment_created":
      return `order:${data.order_id}`
    case "shipment.created":
    case "delivery.created":
      return `fulfillment:${data.id}`
    default:
      return `${name.split(".")[0]}:${data.id}`
  }
}
