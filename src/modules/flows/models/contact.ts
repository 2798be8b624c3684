import { model } from "@medusajs/framework/utils"
import { CHANNELS, EMAIL_CONSENT_STATES } from "../../../engine/constants"

/**
 * One person, keyed by email (lowercased) and/or phone, with or without a Medusa account. Email consent
 * is the address's own (one contact per address); SMS consent is kept per number (PhoneConsent).
 */
export const Contact = model
  .define("flows_contact", {
    id: model.id({ prefix: "flowcon" }).primaryKey(),
    email: model.text().nullable(),
    phone: model.text().nullable(),
    customer_id: model.text().nullable(),
    first_name: model.text().nullable(),
    last_name: model.text().nullable(),
    /** The zone the person gave (a storefront sign-up); it always wins. */
    timezone: model.text().nullable(),
    /** The zone of their latest shipping or billing address, for when they gave none (see contactTimezone). */
    address_timezone: model.text().nullable(),
    email_consent: model.enum([...EMAIL_CONSENT_STATES]).default("unknown"),
    email_consent_at: model.dateTime().nullable(),
    /** Flows the contact stopped from their preference page, while still getting the others. */
    unsubscribed_flows: model.json().nullable(),
    /** When the contact last ordered: win-back reads a range of it, indexed, instead of every order. */
    last_order_at: model.dateTime().nullable(),
    /** When the contact last touched a cart: cart activity is engagement (cart edits are not on the timeline). */
    last_cart_at: model.dateTime().nullable(),
    /** The channel the contact said they prefer, for preferred-channel steps; null when never stated. */
    preferred_channel: model.enum([...CHANNELS]).nullable(),
  })
  .indexes([
    { on: ["email"], unique: true, where: "email IS NOT NULL" },
    { on: ["phone"], where: "phone IS NOT NULL" },
    { on: ["customer_id"], where: "customer_id IS NOT NULL" },
    { on: ["last_order_at"], where: "last_order_at IS NOT NULL" },
  ])
