import { model } from "@medusajs/framework/utils"
import { CHANNELS } from "../../../engine/constants"

/**
 * An address or number that must not be messaged again: its person's marketing data was erased. Only a
 * keyed hash (HMAC-SHA256 of the normalised email or E.164 number) is kept, so the list holds no addresses.
 * A later confirmed opt-in from that address or number removes its entry.
 */
export const Suppression = model
  .define("flows_suppression", {
    id: model.id({ prefix: "flowsup" }).primaryKey(),
    hash: model.text(),
    channel: model.enum([...CHANNELS]),
    /** Why it is on the list, e.g. "erasure". Never the address. */
    reason: model.text(),
  })
  .indexes([{ on: ["hash"], unique: true }])
