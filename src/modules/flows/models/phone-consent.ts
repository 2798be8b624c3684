import { model } from "@medusajs/framework/utils"
import { PHONE_CONSENT_STATES } from "../../../engine/constants"

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
