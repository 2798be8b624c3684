import { MedusaError } from "@medusajs/framework/utils"
import { buildTemplateVariables, renderEmail, renderSms, type TemplateVariables } from "../../../engine"
import { emailConfirmationLink, linksFor } from "../links/signed-links"
import { EMAIL_CONFIRMATION } from "../built-in/email-confirmation"
import { e164OrRaw, normalizePhone } from "../channels/recipients"
import { storeOf } from "../options"
import { brandForTemplates } from "./brand"
import { addConsentEvidence, addTimelineEntry, consentOf, normalizeEmail, setEmailConsent, upsertContact } from "../sql/contacts"
import { lastMessageTo } from "../sql/messages"
import type { PhoneConsentState } from "../../../engine/constants"
import { phoneConsentOf, setPhoneConsent } from "../sql/phone-consent"
import { countHits } from "../sql/rate-limits"
import { setPreferredChannel } from "../sql/engagement"
import type { ConsentInput } from "../types"
import { sendStandalone } from "./delivery"
import { recordEvent } from "./entry"
import { isSuppressed, liftSuppressionOf } from "./privacy"
import type { ModuleContext } from "./context"
import type { ChannelName } from "../../../engine/constants"

/** The UTC day, for idempotency keys that allow one message a day. */
/** Who sent a storefront form or clicked a confirmation: kept as consent evidence. */
export type ConsentClient = { ip: string | null; user_agent: string | null }

const dayOf = (now: Date) => now.toISOString().slice(0, 10)

/** The SMS consent of a number (E.164), or null when it never asked or answered. */
export async function smsConsentOf(ctx: ModuleContext, phone: string | null): Promise<PhoneConsentState | null> {
  return await phoneConsentOf(ctx.db, phone)
}

/**
 * Counts a storefront sign-up against the limit per minute, for the client's IP, the email and the
 * phone number each; true when any of them is over it.
 */
export async function consentRateLimited(
  ctx: ModuleContext,
  input: { email?: string; phone?: string; country_code?: string },
  ip: string | null,
  now = new Date()
) {
  const phone = input.phone ? e164OrRaw(input.phone, input.country_code?.toUpperCase() ?? ctx.options.twilio?.defaultCountry) : null
  const keys = [
    ip && `consent:ip:${ip}`,
    input.email && `consent:email:${normalizeEmail(input.email)}`,
    phone && `consent:phone:${phone}`,
  ].filter((key): key is string => Boolean(key))
  return (await countHits(ctx.db, keys, now)) > ctx.options.consentRequestsPerMinute
}

/**
 * Records consent given on the storefront, with its evidence: the exact text shown, the source, the
 * time, the IP and the user agent. The form is anonymous, so it only adds to what we know: it never
 * changes an existing contact's phone, name or time zone, never grants SMS to a number that has not
 * confirmed with YES (with double opt-in), and never re-subscribes an unsubscribed address or a number
 * that replied STOP: the address confirms by email, the number by texting START.
 */
export async function captureConsent(ctx: ModuleContext, input: ConsentInput, client: ConsentClient, now = new Date()) {
  let phone: string | null = null
  if (input.phone) {
    const normalized = normalizePhone(input.phone, input.country_code?.toUpperCase() ?? ctx.options.twilio?.defaultCountry)
    if ("invalid" in normalized) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, normalized.invalid)
    }
    phone = normalized.e164
  }
  const contactId = (await upsertContact(
    ctx.db,
    { email: input.email, phone, first_name: input.first_name, last_name: input.last_name, timezone: input.timezone },
    now
  ))!
  const contact = await consentOf(ctx.db, contactId)
  if (input.preferred_channel) {
    // A preference grants nothing: a preferred-channel step still needs consent on the channel it uses.
    await setPreferredChannel(ctx.db, contactId, input.preferred_channel, now)
  }
  const granted: ChannelName[] = []
  const awaitingConfirmation: ChannelName[] = []
  const evidence = (channel: ChannelName, state: "requested" | "granted", recipient: string) =>
    addConsentEvidence(ctx.db, { contact_id: contactId, channel, state, recipient, source: input.source, text: input.text, ...client }, now)

  if (input.channels.includes("email") && input.email) {
    // An erased address is treated as an unsubscribed one: a form alone could be anyone's, so it confirms by email.
    if (contact?.email_consent === "unsubscribed" || (await isSuppressed(ctx, "email", normalizeEmail(input.email)))) {
      await evidence("email", "requested", normalizeEmail(input.email)!)
      await sendEmailConfirmation(ctx, contactId, normalizeEmail(input.email)!, contact?.first_name ?? input.first_name ?? null, now)
      awaitingConfirmation.push("email")
    } else {
      await setEmailConsent(ctx.db, { id: contactId }, "granted", now)
      await evidence("email", "granted", normalizeEmail(input.email)!)
      granted.push("email")
    }
  }
  if (input.channels.includes("sms") && phone) {
    const before = await phoneConsentOf(ctx.db, phone)
    // An erased number confirms with YES, whether or not the store asks other numbers to.
    const confirmFirst = ctx.options.smsDoubleOptIn || (await isSuppressed(ctx, "sms", phone))
    const state =
      before === "granted" || before === "unsubscribed"
        ? before
        : await setPhoneConsent(ctx.db, phone, confirmFirst ? "pending" : "granted", now, [null, "pending"])
    await evidence("sms", state === "granted" ? "granted" : "requested", phone)
    if (state === "granted") {
      granted.push("sms")
    } else {
      awaitingConfirmation.push("sms")
      // A number that replied STOP is not texted again until it texts START.
      if (state === "pending") {
        await sendSmsConfirmation(ctx, contactId, phone, contact?.first_name ?? input.first_name ?? null, now)
      }
    }
  }
  if (granted.length) {
    await addTimelineEntry(ctx.db, {
      contact_id: contactId,
      type: "consent.granted",
      occurred_at: now,
      data: { channels: granted, source: input.source },
    })
  }
  if (awaitingConfirmation.length) {
    await addTimelineEntry(ctx.db, {
      contact_id: contactId,
      type: "consent.requested",
      occurred_at: now,
      data: { channels: awaitingConfirmation, source: input.source },
    })
  }
  if (granted.includes("email")) {
    const person = { email: input.email!, first_name: input.first_name ?? null, last_name: input.last_name ?? null }
    await recordEvent(ctx, {
      name: "newsletter.subscribed",
      occurred_at: now,
      subject: { type: "contact", id: contactId },
      identity: { ...person, phone },
      facts: { customer: { ...person, phone }, signup: { source: input.source, channels: input.channels } },
    })
  }
  return { contact_id: contactId, channels: granted, awaiting_confirmation: awaitingConfirmation }
}

/**
 * Asks a number that signed up for texts to reply YES. One a day at most per number, whichever contact
 * asked (the idempotency key holds the number and the date), so the form cannot flood somebody's phone.
 */
async function sendSmsConfirmation(ctx: ModuleContext, contactId: string, phone: string, firstName: string | null, now: Date) {
  const { body } = await renderSms(
    { body: ctx.options.smsConfirmationText },
    buildTemplateVariables({ store: storeOf(ctx.options), customer: { first_name: firstName } })
  )
  await sendStandalone(
    ctx,
    { id: "sms-confirmation", channel: "sms" },
    { idempotency_key: `sms-confirmation:${phone}:${dayOf(now)}`, to: phone, contact_id: contactId, flow_id: null },
    { channel: "sms", text: body },
    now
  )
}

/**
 * Asks an unsubscribed address that signed up again on a form to confirm by email: a form alone could be
 * anyone's. One a day at most per address.
 */
async function sendEmailConfirmation(ctx: ModuleContext, contactId: string, email: string, firstName: string | null, now: Date) {
  const look = await brandForTemplates(ctx)
  const variables = buildTemplateVariables({
    store: { ...storeOf(ctx.options), address: look.address },
    brand: look.brand,
    customer: { first_name: firstName },
    links: linksFor(ctx.options, { contact_id: contactId }),
  })
  const withLink: TemplateVariables & { confirm_url: string } = {
    ...variables,
    confirm_url: emailConfirmationLink(ctx.options, contactId, email),
  }
  const rendered = await renderEmail(EMAIL_CONFIRMATION, withLink)
  await sendStandalone(
    ctx,
    { id: "email-confirmation", channel: "email" },
    { idempotency_key: `email-confirmation:${email}:${dayOf(now)}`, to: email, contact_id: contactId, flow_id: null },
    { channel: "email", ...rendered },
    now
  )
}

/**
 * The address confirmed from the email sent by `sendEmailConfirmation`: email consent again, from every
 * flow, with the confirmation as evidence. The link names the address, so a contact whose address
 * changed since is not subscribed by it.
 */
export async function confirmEmailSubscription(
  ctx: ModuleContext,
  contactId: string,
  email: string,
  client: ConsentClient,
  now = new Date()
) {
  const contact = await ctx.db.first(`SELECT email FROM flows_contact WHERE id = ? AND deleted_at IS NULL`, [contactId])
  if (!contact || contact.email !== email) {
    return false
  }
  await resubscribeEmail(ctx, contactId, now, "email_confirmation")
  // The address confirmed it wants mail again: an erasure's suppression no longer holds for it.
  await liftSuppressionOf(ctx, "email", email)
  await addConsentEvidence(
    ctx.db,
    {
      contact_id: contactId,
      channel: "email",
      state: "granted",
      recipient: email,
      source: "email_confirmation",
      text: "Confirmed from the link in the confirmation email",
      ...client,
    },
    now
  )
  return true
}

/**
 * From an unsubscribe link: all marketing email, or only one flow's. Only a change is recorded: mail clients
 * post one-click again, sometimes at the same moment, and analytics counts each timeline entry as an unsubscribe.
 */
export async function unsubscribeEmail(ctx: ModuleContext, contactId: string, flowId: string | null, now = new Date()) {
  const changed = flowId
    ? await ctx.db.rows(
        `UPDATE flows_contact SET unsubscribed_flows = COALESCE(unsubscribed_flows, '[]'::jsonb) || jsonb_build_array(?::text),
           updated_at = ?
         WHERE id = ? AND NOT COALESCE(unsubscribed_flows, '[]'::jsonb) @> jsonb_build_array(?::text)
         RETURNING id`,
        [flowId, now, contactId, flowId]
      )
    : await ctx.db.rows(
        `UPDATE flows_contact SET email_consent = 'unsubscribed', email_consent_at = ?, updated_at = ?
         WHERE id = ? AND deleted_at IS NULL AND email_consent <> 'unsubscribed'
         RETURNING id`,
        [now, now, contactId]
      )
  if (!changed.length) {
    return
  }
  // Links carry the flow, not the message: the unsubscribe is credited to the last email that flow sent.
  const message = await lastMessageTo(ctx.db, contactId, "email", flowId)
  await addTimelineEntry(ctx.db, {
    contact_id: contactId,
    type: "email.unsubscribed",
    occurred_at: now,
    flow_id: flowId ?? message?.flow_id ?? null,
    run_id: message?.run_id ?? null,
    message_id: message?.id ?? null,
    data: { source: "link" },
  })
}

/** From the preference page (reached from a link sent to the address) or a confirmation email: email again, from every flow. */
export async function resubscribeEmail(
  ctx: ModuleContext,
  contactId: string,
  now = new Date(),
  source: "link" | "email_confirmation" = "link"
) {
  await setEmailConsent(ctx.db, { id: contactId }, "granted", now)
  await ctx.db.rows(`UPDATE flows_contact SET unsubscribed_flows = '[]'::jsonb WHERE id = ?`, [contactId])
  await addTimelineEntry(ctx.db, { contact_id: contactId, type: "email.resubscribed", occurred_at: now, data: { source } })
}
