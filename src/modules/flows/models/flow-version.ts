import { model } from "@medusajs/framework/utils"

/** An immutable snapshot of a flow's definition; every run points at the one it entered with. */
export const FlowVersion = model
  .define("flows_flow_version", {
    id: model.id({ prefix: "flowver" }).primaryKey(),
    flow_id: model.text(),
    version: model.number(),
    definition: model.json(),
    /** Who or what made this version: "user:<id>", "auto-promote", or null for versions made before this was kept. */
    created_by: model.text().nullable(),
    /** Why, when it was not a plain edit: e.g. { type: "promote_winner", split_id, variant, probability }. */
    change: model.json().nullable(),
  })
  .indexes([{ on: ["flow_id", "version"], unique: true }])
