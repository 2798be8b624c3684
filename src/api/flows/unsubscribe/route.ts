import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { verifyLinkToken } from "../../../modules/flows/links/signed-links"
import { FLOWS_MODULE } from "../../../modules/flows"
import type FlowsModuleService from "../../../modules/flows/service"
import { resubscribeWorkflow, unsubscribeWorkflow } from "../../../workflows"
import { sendInvalidLinkPage, sendPage, type PageChoice } from "../page"

async function linkOf(req: MedusaRequest) {
  const flows: FlowsModuleService = req.scope.resolve(FLOWS_MODULE)
  const { secret, storeName, backendUrl } = flows.getOptions()
  const token = String(req.query.token ?? "")
  const { subject: contactId, flow: flowId } = verifyLinkToken(secret, "unsubscribe", token)
  const [flow] = flowId ? await flows.listFlows({ id: flowId }, { select: ["id", "name"], withDeleted: true }) : []
  // The form posts to our own public URL, never to one taken from the request's path or Host.
  const action = `${backendUrl}/flows/unsubscribe?${new URLSearchParams({ token })}`
  return { flows, contactId, flow: flow ?? null, storeName, action }
}

/** The preference page. It only asks: mail scanners open links, and a GET must not change anything. */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  try {
    const { flows, contactId, flow, storeName, action } = await linkOf(req)
    const contact = await flows.retrieveContact(contactId)
    const choices: PageChoice[] =
      contact.email_consent === "unsubscribed"
        ? [{ value: "resubscribe", label: "Resubscribe" }]
        : [...(flow ? [{ value: "flow", label: `Stop “${flow.name}” emails` }] : []), { value: "all", label: "Stop all marketing emails" }]
    const text =
      contact.email_consent === "unsubscribed"
        ? `You are unsubscribed from ${storeName}'s marketing emails.`
        : `Choose which emails from ${storeName} you no longer want.`
    sendPage(res, 200, { store: storeName, title: "Email preferences", text, action, choices })
  } catch (error) {
    sendInvalidLinkPage(req, res, error)
  }
}

/**
 * The page's buttons, and RFC 8058 one-click unsubscribe from mail clients, which stops all marketing
 * email and gets an empty 200.
 */
export async function POST(req: MedusaRequest, res: MedusaResponse) {
  try {
    const { contactId, flow, storeName } = await linkOf(req)
    const body = (req.body ?? {}) as Record<string, string>
    if (body["List-Unsubscribe"] === "One-Click") {
      await unsubscribeWorkflow(req.scope).run({ input: { contact_id: contactId, flow_id: null } })
      res.status(200).send()
      return
    }
    if (body.choice === "resubscribe") {
      await resubscribeWorkflow(req.scope).run({ input: { contact_id: contactId } })
      sendPage(res, 200, { store: storeName, title: "You are subscribed again", text: `Welcome back to ${storeName}'s emails.` })
      return
    }
    const onlyFlow = body.choice === "flow" && flow ? flow : null
    await unsubscribeWorkflow(req.scope).run({ input: { contact_id: contactId, flow_id: onlyFlow?.id ?? null } })
    const text = onlyFlow
      ? `You will not get “${onlyFlow.name}” emails any more. Other emails from ${storeName} continue.`
      : `${storeName} will not send you marketing emails any more.`
    sendPage(res, 200, { store: storeName, title: "You are unsubscribed", text })
  } catch (error) {
    sendInvalidLinkPage(req, res, error)
  }
}
