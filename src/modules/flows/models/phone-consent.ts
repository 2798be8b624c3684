import { model } from "@medusajs/framework/utils"

/** pending: asked for on the storefront, waiting for the number to reply YES to the confirmation text. */
export const PHONE_CONSENT_STATES = ["pending", "granted", "unsubscribed"] as const

/**
 * SMS consent belongs to the number that receives the texts, not to the contact that found it: each
 * number is granted by its own YES (or a form, without double opt-in), and a STOP from it ends consent
 * for every contact that holds it.
 */
export const PhoneConsent = model
  .define("flows_phone_consent", {
    id: model.id({ prefix: "flowpho" }).primaryKey(),
    /** E.164. */
    phone: model.text(),
    state: model.enum([...PHONE_CONSENT_STATES]),
    state_at: model.dateTime(),
  })
  .indexes([{ on: ["phone"], unique: true }])
