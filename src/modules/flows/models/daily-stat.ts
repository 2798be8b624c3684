import { model } from "@medusajs/framework/utils"

/**
 * Pre-aggregated analytics: one row per UTC day, flow, step, channel and currency ("" for message counts,
 * which have none). A split's variant is its steps, so the step key carries it. Rows are rebuilt a whole
 * day at a time from the raw tables (sql/rollups.ts), never incremented, so they always equal the raw figures
 * of the days they cover; a day changed since (a late webhook, a refund) is listed in flows_rollup_dirty_day
 * by triggers and rebuilt before it is read.
 */
export const DailyStat = model
  .define("flows_daily_stat", {
    id: model.id({ prefix: "flowday" }).primaryKey(),
    day: model.dateTime(),
    flow_id: model.text(),
    step_id: model.text().default(""),
    channel: model.text().default(""),
    currency_code: model.text().default(""),
    sent: model.number().default(0),
    delivered: model.number().default(0),
    opened: model.number().default(0),
    machine_opened: model.number().default(0),
    clicked: model.number().default(0),
    failed: model.number().default(0),
    converted: model.number().default(0),
    canceled: model.number().default(0),
    unsubscribed: model.number().default(0),
    revenue: model.bigNumber().default(0),
    refunded: model.bigNumber().default(0),
  })
  .indexes([{ on: ["day", "flow_id", "step_id", "channel", "currency_code"], unique: true }, { on: ["flow_id", "day"] }])

/** Days whose raw rows changed since their rollup was built (filled by triggers, emptied by the fold). */
export const RollupDirtyDay = model.define("flows_rollup_dirty_day", {
  id: model.id({ prefix: "flowdirty" }).primaryKey(),
  day: model.dateTime().unique(),
})
