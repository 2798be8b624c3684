import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import type { RunRow } from "../../../../../modules/flows/types"
import { MedusaError } from "@medusajs/framework/utils"
import { flowsService } from "../../helpers"
import type { CustomerPreferenceBody } from "../../validators"

/**
 * For the customer page: consent per channel with its evidence, runs in progress with the next step
 * due and `next_send`, when its next message will really go (after quiet hours, caps and priority), and the timeline of events and messages, newest first. A customer the plugin has not met yet
 * has no contact: `{ contact: null }`.
 */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const flows = flowsService(req)
  const [contact] = await flows.listContacts({ customer_id: req.params.customer_id })
  if (!contact) {
    res.json({ contact: null, engagement: null, evidence: [], runs: [], timeline: [], messages: [] })
    return
  }
  const [evidence, runs, timeline, messages] = await Promise.all([
    flows.listConsentEvidences({ contact_id: contact.id }, { order: { created_at: "DESC" }, take: 20 }),
    flows.listFlowRuns({ contact_id: contact.id, status: "active" }, { order: { next_run_at: "ASC" }, take: 20 }),
    flows.listContactEvents({ contact_id: contact.id }, { order: { occurred_at: "DESC" }, take: 50 }),
    flows.listMessages(
      { contact_id: contact.id },
      {
        order: { created_at: "DESC" },
        take: 50,
        select: ["id", "flow_id", "step_id", "channel", "subject", "to", "status", "error", "created_at"],
      }
    ),
  ])
  // SMS consent is the number's own; the widget shows that of the number on file.
  const sms_consent = (await flows.smsConsentOf(contact.phone)) ?? "unknown"
  // The engagement level and the counts behind it (docs/engagement.md).
  const engagement = (await flows.engagementOf([contact.id])).get(contact.id) ?? null
  const predictions = await flows.predictNextSends(runs as unknown as RunRow[])
  res.json({
    contact: { ...contact, sms_consent },
    engagement,
    evidence,
    runs: runs.map((run) => ({ ...run, next_send: predictions[run.id] ?? null })),
    timeline,
    messages,
  })
}

/** Sets the channel the customer prefers for preferred-channel steps (null clears it). It grants no consent. */
export async function POST(req: MedusaRequest<CustomerPreferenceBody>, res: MedusaResponse) {
  const flows = flowsService(req)
  const [contact] = await flows.listContacts({ customer_id: req.params.customer_id }, { select: ["id"] })
  if (!contact) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `The plugin has no contact for customer ${req.params.customer_id} yet`)
  }
  await flows.setPreferredChannel(contact.id, req.validatedBody.preferred_channel)
  res.json({ contact: await flows.retrieveContact(contact.id) })
}
