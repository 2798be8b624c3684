import { parse } from "csv-parse/sync"
import { analyticsCsv } from "../analytics-csv"
import { emptyPerformance } from "../analytics"

describe("analytics CSV", () => {
  const flow = {
    ...emptyPerformance(),
    flow_id: "flow_1",
    sent: 10,
    delivered: 8,
    opened: 4,
    machine_opened: 3,
    clicked: 2,
    converted: 1,
    canceled: 1,
    revenue: [{ currency_code: "eur", amount: 42.5 }],
    refunded: [{ currency_code: "usd", amount: 5 }],
  }

  it("writes one row per flow with rates on human opens and a revenue column per currency", () => {
    const rows = parse(analyticsCsv({ flows: [flow], steps: [] }, "flow", new Map([["flow_1", 'Cart, "again"']])), { columns: true })
    expect(rows).toEqual([
      expect.objectContaining({
        flow_id: "flow_1",
        flow_name: 'Cart, "again"',
        opened: "4",
        open_rate: "0.5000",
        machine_opened: "3",
        click_rate: "0.2500",
        revenue_eur: "42.50",
        refunded_eur: "0.00",
        revenue_usd: "0.00",
        refunded_usd: "5.00",
      }),
    ])
  })

  it("keeps a name a spreadsheet would run as a formula as text", () => {
    const csv = analyticsCsv({ flows: [], steps: [{ ...flow, step_id: "@step" }] }, "step", new Map([["flow_1", "=HYPERLINK(1)"]]))
    const [row] = parse(csv, { columns: true })
    expect(row).toMatchObject({ flow_name: "'=HYPERLINK(1)", step_id: "'@step" })
  })
})

describe("the export's query", () => {
  // Imported here, not at the top: the validators pull in Medusa's zod, as the route does.
  const { AnalyticsExportQuery } = require("../../../api/admin/flows/validators")

  it("takes the analytics period and a level, per flow by default", () => {
    expect(AnalyticsExportQuery.parse({ from: "2026-01-01", to: "2026-02-01" })).toEqual({
      level: "flow",
      from: new Date("2026-01-01"),
      to: new Date("2026-02-01"),
      flow_id: undefined,
    })
    expect(AnalyticsExportQuery.parse({ from: "2026-01-01", to: "2026-02-01", level: "step", flow_id: "flow_1" })).toMatchObject({
      level: "step",
      flow_id: "flow_1",
    })
  })

  it("refuses an unknown level and a period that makes no sense", () => {
    expect(AnalyticsExportQuery.safeParse({ level: "contact" }).success).toBe(false)
    expect(AnalyticsExportQuery.safeParse({ from: "2026-02-01", to: "2026-01-01" }).success).toBe(false)
    expect(AnalyticsExportQuery.safeParse({ from: "2020-01-01", to: "2026-01-01" }).success).toBe(false)
  })
})
