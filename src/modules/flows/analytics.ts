import { splitLayouts, type FlowDefinition } from "../../engine"
import type { Row } from "./sql/database"

export type Revenue = { currency_code: string; amount: number }

/** What a flow, a step or an A/B variant achieved over a period. */
export type Performance = {
  sent: number
  delivered: number
  /** Emails a person opened (or clicked). Rates use these. */
  opened: number
  /** Emails whose pixel a mail proxy fetched (Apple Mail Privacy Protection): not a sign a person read it. */
  machine_opened: number
  clicked: number
  failed: number
  converted: number
  /** Credited orders canceled since: no longer converted, their revenue taken back. */
  canceled: number
  unsubscribed: number
  /** Per currency, net of refunds: orders in different currencies are never added together. */
  revenue: Revenue[]
  /** Per currency: what refunds and cancellations took back from the revenue. */
  refunded: Revenue[]
}

const COUNTS = ["sent", "delivered", "opened", "machine_opened", "clicked", "failed", "converted", "canceled", "unsubscribed"] as const

export function emptyPerformance(): Performance {
  return {
    sent: 0,
    delivered: 0,
    opened: 0,
    machine_opened: 0,
    clicked: 0,
    failed: 0,
    converted: 0,
    canceled: 0,
    unsubscribed: 0,
    revenue: [],
    refunded: [],
  }
}

function addRevenue(revenue: Revenue[], currency_code: string, amount: number) {
  const existing = revenue.find((r) => r.currency_code === currency_code)
  if (existing) {
    existing.amount += amount
  } else {
    revenue.push({ currency_code, amount })
  }
}

/** Adds a row of counts (any of the COUNTS, plus `revenue` with `currency_code`) into a total. */
export function addInto(total: Performance, row: Row): Performance {
  for (const key of COUNTS) {
    total[key] += Number(row[key] ?? 0)
  }
  for (const key of ["revenue", "refunded"] as const) {
    if (Array.isArray(row[key])) {
      row[key].forEach((r: Revenue) => addRevenue(total[key], r.currency_code, r.amount))
    } else if (row.currency_code && row[key] != null) {
      addRevenue(total[key], row.currency_code, Number(row[key]))
    }
  }
  return total
}

/** Groups rows by a key and adds each group up. */
export function groupPerformance<K extends string>(rows: Row[], keys: readonly K[]) {
  const groups = new Map<string, Record<K, string | null> & Performance>()
  for (const row of rows) {
    const id = keys.map((k) => row[k] ?? "").join("\u0000")
    let group = groups.get(id)
    if (!group) {
      group = { ...(Object.fromEntries(keys.map((k) => [k, row[k] ?? null])) as Record<K, string | null>), ...emptyPerformance() }
      groups.set(id, group)
    }
    addInto(group, row)
  }
  return [...groups.values()]
}

/** Each split's variants side by side: the sum of the steps inside each one. */
export function variantPerformance(definition: FlowDefinition, steps: (Performance & { step_id: string | null })[]) {
  return splitLayouts(definition).map((split) => ({
    split_id: split.split_id,
    variants: split.variants.map((variant) => ({
      key: variant.key,
      weight: variant.weight,
      ...steps.filter((s) => s.step_id && variant.step_ids.includes(s.step_id)).reduce(addInto, emptyPerformance()),
    })),
  }))
}
