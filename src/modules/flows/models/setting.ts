import { model } from "@medusajs/framework/utils"

/**
 * Settings the owner changes in the admin, one row per key (`brand`: logo, colours, font, postal
 * address). The plugin options are their defaults.
 */
export const Setting = model.define("flows_setting", {
  id: model.id({ prefix: "flowset" }).primaryKey(),
  key: model.text().unique(),
  value: model.json(),
})
