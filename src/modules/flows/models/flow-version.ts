import { model } from "@medusajs/framework/utils"

/** An immutable snapshot of a flow's definition; every run points at the one it entered with. */
export const FlowVersion = model
  .define("flows_flow_version", {
    id: model.id({ prefix: "flowver" }).primaryKey(),
    flow_id: model.text(),
    version: model.number(),
    definition: model.json(),
  })
  .indexes([{ on: ["flow_id", "version"], unique: true }])
