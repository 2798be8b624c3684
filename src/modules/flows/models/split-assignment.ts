import { model } from "@medusajs/framework/utils"

/**
 * The variant a run was randomly given at a split: the population an A/B test compares. Runs that reach
 * a split after its winner was promoted are not recorded, so the test's figures stay those of the test.
 */
export const SplitAssignment = model
  .define("flows_split_assignment", {
    id: model.id({ prefix: "flowsplit" }).primaryKey(),
    run_id: model.text(),
    flow_id: model.text(),
    split_id: model.text(),
    variant: model.text(),
    assigned_at: model.dateTime(),
  })
  .indexes([{ on: ["run_id", "split_id"], unique: true }, { on: ["flow_id", "split_id"] }])
