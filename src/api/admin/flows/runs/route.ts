import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import type { RunRow } from "../../../../modules/flows/types"
import { flowsService, listArgs } from "../helpers"

/**
 * Runs, newest first. Each active run carries `next_send`: when its next message will really go, after
 * quiet hours, caps and priority (the scheduler's own decision), or null when none can be foreseen.
 */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const { filters, config, limit, offset } = listArgs(req)
  const flows = flowsService(req)
  const [runs, count] = await flows.listAndCountFlowRuns(filters, config)
  const predictions = await flows.predictNextSends(runs.filter((run) => run.status === "active") as unknown as RunRow[])
  res.json({ runs: runs.map((run) => ({ ...run, next_send: predictions[run.id] ?? null })), count, limit, offset })
}
