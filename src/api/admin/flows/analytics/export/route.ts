import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { analyticsCsv } from "../../../../../modules/flows/analytics-csv"
import { flowsService } from "../../helpers"
import type { AnalyticsExportQueryType } from "../../validators"

/** The analytics of a period as CSV, per flow or per step (`level`), with the figures the admin shows. */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const { level, ...range } = req.validatedQuery as AnalyticsExportQueryType
  const report = await flowsService(req).analytics(range)
  const names = new Map(report.flows.map((f) => [f.flow_id as string, f.name]))
  const day = (date: Date) => date.toISOString().slice(0, 10)
  res.setHeader("Content-Type", "text/csv; charset=utf-8")
  res.setHeader("Content-Disposition", `attachment; filename="flows-${level}s-${day(range.from)}-${day(range.to)}.csv"`)
  res.send(analyticsCsv(report, level, names))
}
