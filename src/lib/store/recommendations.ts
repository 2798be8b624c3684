import type { Query } from "./load-facts"

export type Recommendation = { title: string; thumbnail: string | null; url: string; product_id: string }

const LIMIT = 3

async function boughtBy(query: Query, order: Record<string, any>): Promise<Set<string>> {
  const bought = new Set<string>((order.items ?? []).map((item: any) => item?.product_id).filter(Boolean))
  if (order.customer_id) {
    const { data } = await query.graph({ entity: "order", fields: ["items.product_id"], filters: { customer_id: order.customer_id } })
    data.forEach((past: any) => (past.items ?? []).forEach((item: any) => item?.product_id && bought.add(item.product_id)))
  }
  return bought
}

/**
 * Products related to an order, for cross-sell: from the same collections or categories as what was
 * bought, published, and never one the customer has already bought.
 */
export async function recommendationsFor(
  query: Query,
  order: Record<string, any>,
  productUrl: (handle: string) => string
): Promise<Recommendation[]> {
  const bought = await boughtBy(query, order)
  if (!bought.size) {
    return []
  }
  const { data: purchased } = await query.graph({
    entity: "product",
    fields: ["id", "collection_id", "categories.id"],
    filters: { id: [...bought] },
  })
  const collections = [...new Set(purchased.map((p: any) => p.collection_id).filter(Boolean))]
  const categories = [...new Set(purchased.flatMap((p: any) => (p.categories ?? []).map((c: any) => c.id)))]
  const fields = ["id", "title", "handle", "thumbnail"]
  const candidates = [
    ...(collections.length
      ? (await query.graph({ entity: "product", fields, filters: { collection_id: collections, status: "published" } })).data
      : []),
    ...(categories.length
      ? (await query.graph({ entity: "product", fields, filters: { categories: { id: categories }, status: "published" } })).data
      : []),
  ]
  const seen = new Set<string>()
  return candidates
    .filter((p: any) => !bought.has(p.id) && !seen.has(p.id) && seen.add(p.id))
    .slice(0, LIMIT)
    .map((p: any) => ({ title: p.title, thumbnail: p.thumbnail ?? null, url: productUrl(p.handle), product_id: p.id }))
}
