import { model } from "@medusajs/framework/utils"

const emailConsent = ["unknown", "granted", "unsubscribed"] as const
/** pending: asked for on the storefront, waiting for the person to reply YES to the confirmation text. */
const smsConsent = ["unknown", "pending", "granted", "unsubscribed"] as const

/** One person, keyed by email (lowercased) and/or phone, with or without a Medusa account. */
export const Contact = model
  .define("flows_contact", {
    id: model.id({ prefix: "flowcon" }).primaryKey(),
    email: model.text().nullable(),
    phone: model.text().nullable(),
    customer_id: model.text().nullable(),
    first_name: model.text().nullable(),
    last_name: model.text().nullable(),
    timezone: model.text().nullable(),
    email_consent: model.enum([...emailConsent]).default("unknown"),
    sms_consent: model.enum([...smsConsent]).default("unknown"),
    email_consent_at: model.dateTime().nullable(),
    /** Flows the contact stopped from their preference page, while still getting the others. */
    unsubscribed_flows: model.json().nullable(),
    sms_consent_at: model.dateTime().nullable(),
    /** When the contact last ordered: win-back reads a range of it, indexed, instead of every order. */
    last_order_at: model.dateTime().nullable(),
  })
  .indexes([
    { on: ["email"], unique: true, where: "email IS NOT NULL" },
    { on: ["phone"], where: "phone IS NOT NULL" },
    { on: ["customer_id"], where: "customer_id IS NOT NULL" },
    { on: ["last_order_at"], where: "last_order_at IS NOT NULL" },
  ])
