import type { Revenue } from "../../modules/flows/analytics"

export type { Revenue }

export const STATUS_COLOR: Record<string, "green" | "orange" | "grey" | "red" | "blue"> = {
  active: "green",
  paused: "orange",
  draft: "grey",
  delivered: "green",
  opened: "green",
  clicked: "green",
  sent: "blue",
  sending: "blue",
  retrying: "orange",
  uncertain: "orange",
  skipped: "grey",
  failed: "red",
  bounced: "red",
  dropped: "red",
  undelivered: "red",
}

export function percent(part: number, whole: number): string {
  return whole ? `${Math.round((part / whole) * 100)}%` : "–"
}

export function dateTime(value: string | null | undefined): string {
  return value ? new Date(value).toLocaleString() : "–"
}

export function triggerLabel(event: string | string[]): string {
  return [event].flat().join(" or ")
}

/** Revenue per currency, e.g. "$1,200.00 · €80.00"; orders in different currencies are never added up. */
export function money(revenue: Revenue[] | undefined): string {
  if (!revenue?.length) {
    return "–"
  }
  return revenue
    .map((r) => new Intl.NumberFormat(undefined, { style: "currency", currency: r.currency_code.toUpperCase() }).format(r.amount))
    .join(" · ")
}
