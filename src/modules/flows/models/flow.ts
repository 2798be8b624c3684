import { model } from "@medusajs/framework/utils"
import { DEFAULT_FLOW_PRIORITY, FLOW_STATUSES } from "../../../engine/constants"

/** The editable flow. Runs never read `definition` from here: they are pinned to a FlowVersion. */
export const Flow = model
  .define("flows_flow", {
    id: model.id({ prefix: "flow" }).primaryKey(),
    name: model.text(),
    description: model.text().nullable(),
    /** Stable name for built-in flows, so they are seeded once. */
    handle: model.text().nullable(),
    status: model.enum([...FLOW_STATUSES]).default("draft"),
    /** Copied from the definition so subscribers find the flows an event starts with one indexed read. */
    trigger_event: model.text(),
    definition: model.json(),
    version: model.number().default(1),
    current_version_id: model.text().nullable(),
    /** When two flows' messages for one person compete (a cap, the overlap window), the higher one goes. */
    priority: model.number().default(DEFAULT_FLOW_PRIORITY),
  })
  .indexes([{ on: ["handle"], unique: true, where: "handle IS NOT NULL" }, { on: ["trigger_event", "status"] }])
