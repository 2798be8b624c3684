import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import { FLOWS_MODULE, type FlowsModuleService } from "../../modules/flows"
import { normalizeEmail } from "../../modules/flows/sql/contacts"
import type { EmailConsentState, PhoneConsentState } from "../../engine/constants"
import type { ConsentInput } from "../../modules/flows/types"
import { e164OrRaw } from "../../modules/flows/channels/recipients"

export type CaptureConsentStepInput = ConsentInput & { client: { ip: string | null; user_agent: string | null } }

/** The consent a sign-up may change, as it was before, so a failed workflow can put it back. */

type ConsentBefore = {
  started_at: string
  /** Null when the sign-up is not for email; `contact_id` null when the address was new to us. */
  email: { contact_id: string | null; email_consent: EmailConsentState; email_consent_at: Date | null } | null
  phone: { number: string; state: PhoneConsentState | null } | null
}

/**
 * Records a storefront sign-up with its evidence (see FlowsModuleService.captureConsent). Undone by putting
 * the address's and the number's consent back as they were and ending the runs the sign-up started (the
 * welcome series). The contact, the evidence and the timeline entries stay: they record what was asked.
 * A confirmation text or email already sent cannot be called back.
 */
export const captureConsentStep = createStep(
  "flows-capture-consent",
  async ({ client, ...input }: CaptureConsentStepInput, { container }) => {
    const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
    const before = await consentBefore(flows, input)
    const result = await flows.captureConsent(input, client)
    return new StepResponse(result, { ...before, contact_id: result.contact_id })
  },
  async (before, { container }) => {
    if (!before) {
      return
    }
    const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
    if (before.email) {
      const { contact_id, email_consent, email_consent_at } = before.email
      await flows.updateContacts({ id: contact_id ?? before.contact_id, email_consent, email_consent_at })
    }
    if (before.phone?.state === null) {
      await flows.deletePhoneConsents({ phone: before.phone.number })
    } else if (before.phone) {
      await flows.updatePhoneConsents({ selector: { phone: before.phone.number }, data: { state: before.phone.state } })
    }
    const started = await flows.listFlowRuns(
      { subject_type: "contact", subject_id: before.contact_id, status: "active", created_at: { $gte: new Date(before.started_at) } },
      { select: ["id"] }
    )
    const now = new Date()
    await flows.updateFlowRuns(
      started.map(({ id }) => ({ id, status: "exited" as const, exit_reason: "consent_undone", ended_at: now, next_run_at: null }))
    )
  }
)

async function consentBefore(flows: FlowsModuleService, input: ConsentInput): Promise<ConsentBefore> {
  const startedAt = new Date().toISOString()
  const email = input.channels.includes("email") ? normalizeEmail(input.email) : null
  const [contact] = email ? await flows.listContacts({ email }, { select: ["id", "email_consent", "email_consent_at"] }) : []
  const country = input.country_code?.toUpperCase() ?? flows.getOptions().twilio?.defaultCountry
  const number = input.channels.includes("sms") && input.phone ? e164OrRaw(input.phone, country) : null
  return {
    started_at: startedAt,
    email: !email
      ? null
      : contact
        ? { contact_id: contact.id, email_consent: contact.email_consent, email_consent_at: contact.email_consent_at }
        : { contact_id: null, email_consent: "unknown", email_consent_at: null },
    phone: number ? { number, state: await flows.smsConsentOf(number) } : null,
  }
}
