import { model } from "@medusajs/framework/utils"

/**
 * Hits per key (an IP, an email, a phone number) in a fixed window. One upsert counts a hit and returns
 * the total, so parallel requests cannot all pass.
 */
export const RateLimit = model
  .define("flows_rate_limit", {
    id: model.id({ prefix: "flowrtl" }).primaryKey(),
    key: model.text(),
    window_start: model.dateTime(),
    hits: model.number().default(0),
  })
  .indexes([{ on: ["key", "window_start"], unique: true }, { on: ["window_start"] }])
