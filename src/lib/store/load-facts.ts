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

/** Medusa only computes cart totals inside its workflows; the items' sum is what a reminder shows. */
function withCartTotals(cart: Record<string, any>) {
  const { item_count, items_total } = sumItems(cart.items as any[])
  return { ...cart, item_count, subtotal: items_total, total: items_total }
}

function withOrderProgress(order: Record<string, any>) {
  const fulfillments = (order.fulfillments ?? []) as { shipped_at?: unknown; delivered_at?: unknown }[]
  return {
    ...order,
    item_count: sumItems(order.items as any[]).item_count,
    // For conditions such as "wait until delivered": any of the order's fulfillments.
    shipped: fulfillments.some((f) => f?.shipped_at),
    delivered: fulfillments.some((f) => f?.delivered_at),
  }
}

const ENTITIES = {
  cart: { fields: CART_FIELDS, shape: withCartTotals },
  order: { fields: ORDER_FIELDS, shape: withOrderProgress },
  customer: { fields: CUSTOMER_FIELDS, shape: (customer: Record<string, any>) => customer },
}

/** Records of one entity by id, in one query whatever their number. */
async function loadMany(query: Query, entity: keyof typeof ENTITIES, ids: string[]): Promise<Map<string, Record<string, any>>> {
  const unique = [...new Set(ids)]
  if (!unique.length) {
    return new Map()
  }
  const { fields, shape } = ENTITIES[entity]
  const { data } = await query.graph({ entity, fields, filters: { id: unique } })
  return new Map(data.map((record: Record<string, any>) => [record.id, shape(record)]))
}

export type StoreEntity = keyof typeof ENTITIES

/** Finds a cart, order or customer by id, shaped as flow conditions see it. */
export type RecordSource = (entity: StoreEntity, id: string) => Promise<Record<string, any> | undefined>

/** Loads each record when it is asked for. */
export function liveRecords(query: Query): RecordSource {
  return async (entity, id) => (await loadMany(query, entity, [id])).get(id)
}

/**
 * Loads all of `wanted` up front, one query an entity, for a batch of store events; a record it did not
 * ask for is loaded when asked for. One that is gone stays undefined.
 */
export async function preloadRecords(query: Query, wanted: { entity: StoreEntity; id: string }[]): Promise<RecordSource> {
  const idsOf = (entity: StoreEntity) => wanted.filter((record) => record.entity === entity).map((record) => record.id)
  const [cart, order, customer] = await Promise.all(
    (["cart", "order", "customer"] as const).map(async (entity) => await loadMany(query, entity, idsOf(entity)))
  )
  const loaded = { cart, order, customer }
  const asked = new Set(wanted.map((record) => `${record.entity}:${record.id}`))
  const live = liveRecords(query)
  return async (entity, id) => (asked.has(`${entity}:${id}`) ? loaded[entity].get(id) : await live(entity, id))
}

type FactIds = { cart_id?: string | null; order_id?: string | null; customer_id?: string | null }

/**
 * The live cart, order and customer behind each of many runs, in three queries rather than three a run:
 * a worker reads a whole claim's store data at once.
 */
export async function loadFactsOfMany<T extends FactIds & { id: string }>(query: Query, runs: T[]): Promise<Map<string, StoreFacts>> {
  const [carts, orders] = await Promise.all([
    loadMany(
      query,
      "cart",
      runs.flatMap((run) => run.cart_id ?? [])
    ),
    loadMany(
      query,
      "order",
      runs.flatMap((run) => run.order_id ?? [])
    ),
  ])
  const customerIdOf = (run: T) =>
    run.customer_id ??
    (run.cart_id && carts.get(run.cart_id)?.customer_id) ??
    (run.order_id && orders.get(run.order_id)?.customer_id) ??
    null
  const customers = await loadMany(
    query,
    "customer",
    runs.flatMap((run) => customerIdOf(run) ?? [])
  )
  return new Map(
    runs.map((run) => {
      const facts: StoreFacts = {}
      if (run.cart_id) {
        facts.cart = carts.get(run.cart_id)
      }
      if (run.order_id) {
        facts.order = orders.get(run.order_id)
      }
      const customerId = customerIdOf(run)
      if (customerId) {
        facts.customer = customers.get(customerId)
      }
      return [run.id, facts]
    })
  )
}

/** The live cart, order and customer behind a run or an event, as flow conditions see them. */
export async function loadFacts(query: Query, ids: FactIds): Promise<StoreFacts> {
  return (await loadFactsOfMany(query, [{ ...ids, id: "one" }])).get("one") as StoreFacts
}
