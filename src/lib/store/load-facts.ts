import type { RemoteQueryFunction } from "@medusajs/framework/types"

const CART_FIELDS = [
  "id",
  "email",
  "customer_id",
  "completed_at",
  "currency_code",
  "created_at",
  "updated_at",
  "metadata",
  "items.*",
  "customer.*",
  "shipping_address.*",
  "billing_address.*",
  "region.name",
  "sales_channel_id",
]

const ORDER_FIELDS = [
  "id",
  "display_id",
  "email",
  "customer_id",
  "currency_code",
  "status",
  "canceled_at",
  "created_at",
  "total",
  "subtotal",
  "shipping_total",
  "tax_total",
  "metadata",
  "cart.id",
  "fulfillments.id",
  "fulfillments.shipped_at",
  "fulfillments.delivered_at",
  "items.*",
  "customer.*",
  "shipping_address.*",
]

const CUSTOMER_FIELDS = [
  "id",
  "email",
  "first_name",
  "last_name",
  "phone",
  "has_account",
  "created_at",
  "metadata",
  // Where the customer lives: the time zone their messages are timed in, when they gave none.
  "addresses.country_code",
  "addresses.province",
  "addresses.city",
  "addresses.is_default_shipping",
  "addresses.is_default_billing",
]

export type Query = Omit<RemoteQueryFunction, symbol>

export type StoreFacts = {
  cart?: Record<string, any>
  order?: Record<string, any>
  customer?: Record<string, any>
}

function sumItems(items: any[] | undefined) {
  const list = items ?? []
  return {
    item_count: list.reduce((n, item) => n + Number(item?.quantity ?? 0), 0),
    items_total: list.reduce((n, item) => n + Number(item?.unit_price ?? 0) * Number(item?.quantity ?? 0), 0),
  }
}

export async function loadCart(query: Query, id: string) {
  const { data } = await query.graph({ entity: "cart", fields: CART_FIELDS, filters: { id } })
  const cart = data[0]
  if (!cart) {
    return undefined
  }
  const { item_count, items_total } = sumItems(cart.items as any[])
  // Medusa only computes cart totals inside its workflows; the items' sum is what a reminder shows.
  return { ...cart, item_count, subtotal: items_total, total: items_total }
}

export async function loadOrder(query: Query, id: string) {
  const { data } = await query.graph({ entity: "order", fields: ORDER_FIELDS, filters: { id } })
  const order = data[0]
  if (!order) {
    return undefined
  }
  const fulfillments = (order.fulfillments ?? []) as { shipped_at?: unknown; delivered_at?: unknown }[]
  return {
    ...order,
    item_count: sumItems(order.items as any[]).item_count,
    // For conditions such as "wait until delivered": any of the order's fulfillments.
    shipped: fulfillments.some((f) => f?.shipped_at),
    delivered: fulfillments.some((f) => f?.delivered_at),
  }
}

export async function loadCustomer(query: Query, id: string) {
  const { data } = await query.graph({ entity: "customer", fields: CUSTOMER_FIELDS, filters: { id } })
  return data[0]
}

/** The live cart, order and customer behind a run or an event, as flow conditions see them. */
export async function loadFacts(
  query: Query,
  ids: { cart_id?: string | null; order_id?: string | null; customer_id?: string | null }
): Promise<StoreFacts> {
  const facts: StoreFacts = {}
  if (ids.cart_id) {
    facts.cart = await loadCart(query, ids.cart_id)
  }
  if (ids.order_id) {
    facts.order = await loadOrder(query, ids.order_id)
  }
  const customerId = ids.customer_id ?? facts.cart?.customer_id ?? facts.order?.customer_id
  if (customerId) {
    facts.customer = await loadCustomer(query, customerId)
  }
  return facts
}
