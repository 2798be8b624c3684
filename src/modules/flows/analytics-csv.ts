import { stringify } from "csv-stringify/sync"
import type { Performance } from "./analytics"

type Row = Performance & { flow_id: string | null; step_id?: string | null; name?: string | null }

/** A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, return) is kept as text. */
function safeText(value: string | null | undefined): string {
  const text = value ?? ""
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text
}

const rate = (part: number, whole: number) => (whole ? (part / whole).toFixed(4) : "")

/**
 * The analytics of a period as CSV, one row per flow or per step, with the figures the admin shows:
 * rates on human opens, machine opens apart, revenue net of refunds with one column per currency.
 */
export function analyticsCsv(
  report: { flows: Row[]; steps: Row[] },
  level: "flow" | "step",
  flowNames: Map<string, string | null>
): string {
  const rows = level === "flow" ? report.flows : report.steps
  const currencies = [...new Set(rows.flatMap((r) => [...r.revenue, ...r.refunded].map((x) => x.currency_code)))].sort()
  const header = [
    "flow_id",
    "flow_name",
    ...(level === "step" ? ["step_id"] : []),
    "sent",
    "delivered",
    "opened",
    "open_rate",
    "machine_opened",
    "clicked",
    "click_rate",
    "failed",
    "converted",
    "conversion_rate",
    "canceled",
    "unsubscribed",
    ...currencies.flatMap((c) => [`revenue_${c}`, `refunded_${c}`]),
  ]
  const body = rows.map((r) => [
    safeText(r.flow_id),
    safeText(r.flow_id ? (flowNames.get(r.flow_id) ?? null) : null),
    ...(level === "step" ? [safeText(r.step_id)] : []),
    r.sent,
    r.delivered,
    r.opened,
    rate(r.opened, r.delivered),
    r.machine_opened,
    r.clicked,
    rate(r.clicked, r.delivered),
    r.failed,
    r.converted,
    rate(r.converted, r.delivered),
    r.canceled,
    r.unsubscribed,
    ...currencies.flatMap((c) => [
      (r.revenue.find((x) => x.currency_code === c)?.amount ?? 0).toFixed(2),
      (r.refunded.find((x) => x.currency_code === c)?.amount ?? 0).toFixed(2),
    ]),
  ])
  return stringify([header, ...body])
}
