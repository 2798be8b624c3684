import { model } from "@medusajs/framework/utils"

/**
 * Store events as the subscriber received them, waiting to be recorded. The subscriber only inserts here
 * (one cheap write on the store's request path); the scheduler loads the facts and starts or ends runs
 * later (src/lib/store/process-store-events.ts). A row is deleted once it is recorded; one that fails
 * stays, with its error, and is tried again after a backoff.
 */
export const StoreEventInbox = model
  .define("flows_store_event_inbox", {
    id: model.id({ prefix: "flowinb" }).primaryKey(),
    /** Arrival order: events about one subject are recorded in this order. */
    seq: model.autoincrement(),
    name: model.text(),
    data: model.json(),
    /** What the event is about, e.g. `cart:cart_123`: repeats of it in one batch are recorded once. */
    subject_key: model.text(),
    received_at: model.dateTime(),
    /** Set while a worker records the row; a worker that dies leaves it to be claimed again when it passes. */
    claimed_until: model.dateTime().nullable(),
    attempts: model.number().default(0),
    last_error: model.text().nullable(),
    /** Not claimed before then: the backoff after a failure. */
    available_at: model.dateTime(),
  })
  .indexes([{ on: ["subject_key", "seq"] }, { on: ["available_at"] }])
