import { model } from "@medusajs/framework/utils"
import { RUN_STATUSES, SUBJECT_TYPES } from "../../../engine/constants"

export const FlowRun = model
  .define("flows_run", {
    id: model.id({ prefix: "flowrun" }).primaryKey(),
    flow_id: model.text(),
    flow_version_id: model.text(),
    subject_type: model.enum([...SUBJECT_TYPES]),
    subject_id: model.text(),
    cart_id: model.text().nullable(),
    order_id: model.text().nullable(),
    customer_id: model.text().nullable(),
    contact_id: model.text().nullable(),
    email: model.text().nullable(),
    phone: model.text().nullable(),
    status: model.enum([...RUN_STATUSES]).default("active"),
    /** Null until the scheduler first looks at the run. */
    step_id: model.text().nullable(),
    step_entered_at: model.dateTime(),
    next_run_at: model.dateTime().nullable(),
    /** A worker's lease on the run: set atomically when it is claimed. */
    claimed_until: model.dateTime().nullable(),
    claim_token: model.text().nullable(),
    attempts: model.number().default(0),
    last_error: model.text().nullable(),
    exit_reason: model.text().nullable(),
    ended_at: model.dateTime().nullable(),
    /** Steps passed through (branches taken, split variants) and other per-run state. */
    context: model.json().default({}),
    /** In the flow's holdout: it goes through the flow's steps but is sent nothing (decided at entry). */
    holdout: model.boolean().default(false),
  })
  .indexes([
    { on: ["next_run_at"], where: "status = 'active'" },
    // At most one live run per flow and subject: a redelivered event cannot start a second one.
    { on: ["flow_id", "subject_type", "subject_id"], unique: true, where: "status = 'active'" },
    { on: ["flow_id", "subject_type", "subject_id"] },
    { on: ["cart_id"], where: "cart_id IS NOT NULL" },
    { on: ["order_id"], where: "order_id IS NOT NULL" },
    { on: ["customer_id"], where: "customer_id IS NOT NULL" },
    { on: ["email"], where: "email IS NOT NULL" },
    { on: ["contact_id"], where: "contact_id IS NOT NULL" },
    { on: ["flow_id", "created_at"] },
  ])
