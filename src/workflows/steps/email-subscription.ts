import { FLOWS_MODULE, type FlowsModuleService } from "../../modules/flows"
import type { MedusaContainer } from "@medusajs/framework/types"

/** A contact's email subscription as the unsubscribe page changes it, read before the change. */
export type EmailSubscriptionBefore = {
  contact_id: string
  email_consent: "unknown" | "granted" | "unsubscribed"
  email_consent_at: Date | null
  /** A JSON list of flow ids; the model types JSON columns as records. */
  unsubscribed_flows: Record<string, unknown> | null
  changed_at: string
}

/** Null for a contact that no longer exists: the change then touches nothing. */
export async function emailSubscriptionOf(flows: FlowsModuleService, contactId: string): Promise<EmailSubscriptionBefore | null> {
  const [contact] = await flows.listContacts(
    { id: contactId },
    { select: ["id", "email_consent", "email_consent_at", "unsubscribed_flows"] }
  )
  if (!contact) {
    return null
  }
  return {
    contact_id: contact.id,
    email_consent: contact.email_consent,
    email_consent_at: contact.email_consent_at,
    unsubscribed_flows: contact.unsubscribed_flows,
    changed_at: new Date().toISOString(),
  }
}

/**
 * Puts a contact's email subscription back as it was, and takes the change off its timeline, where
 * analytics would count it as an unsubscribe or a resubscribe.
 */
export async function restoreEmailSubscription(container: MedusaContainer, before: EmailSubscriptionBefore, timelineType: string) {
  const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
  const { contact_id, changed_at, ...subscription } = before
  await flows.updateContacts({ id: contact_id, ...subscription })
  const entries = await flows.listContactEvents(
    { contact_id, type: timelineType, occurred_at: { $gte: new Date(changed_at) } },
    { select: ["id"] }
  )
  await flows.deleteContactEvents(entries.map(({ id }) => id))
}
