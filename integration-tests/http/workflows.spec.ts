import path from "node:path"
import { MedusaError } from "@medusajs/framework/utils"
import { signLinkToken } from "../../src/modules/flows/links/signed-links"
import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import { attempt, storeTestRunner } from "../helpers/store-fixtures"

jest.setTimeout(120_000)

// The routes run the workflows of the plugin's build, as a store does; hooks must be registered on those.
const workflows: typeof import("../../src/workflows") = require(path.join(__dirname, "../../.medusa/server/src/workflows"))

// Medusa keeps one handler per hook, for the whole process. These only record what they get, and fail
// when a test names their hook in `failingHook`, so the other tests in this file see no difference.
const seen: Record<string, unknown[]> = {}
let failingHook: string | null = null
function recordHook(name: string, register: (handler: (input: unknown) => void) => unknown) {
  register((input) => {
    ;(seen[name] ??= []).push(input)
    if (failingHook === name) {
      throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `${name} refused by the store`)
    }
  })
}
recordHook("flowCreated", workflows.createFlowWorkflow.hooks.flowCreated)
recordHook("flowUpdated", workflows.updateFlowWorkflow.hooks.flowUpdated)
recordHook("flowStatusChanged", workflows.setFlowStatusWorkflow.hooks.flowStatusChanged)
recordHook("flowDeleted", workflows.deleteFlowWorkflow.hooks.flowDeleted)
recordHook("consentCaptured", workflows.captureConsentWorkflow.hooks.consentCaptured)
recordHook("unsubscribed", workflows.unsubscribeWorkflow.hooks.unsubscribed)
recordHook("resubscribed", workflows.resubscribeWorkflow.hooks.resubscribed)

const definition = {
  trigger: { event: "order.placed" },
  steps: [{ id: "thanks", type: "send_email", template: { subject: "Thanks!", html: "<p>Thanks</p>" } }],
}

const signUp = (fields: Record<string, unknown>) => ({ source: "footer", text: "Send me offers.", ...fields })

storeTestRunner(({ api, getContainer, store }) => {
  let flows: FlowsModuleService

  beforeEach(() => {
    flows = getContainer().resolve(FLOWS_MODULE)
  })

  afterEach(() => {
    failingHook = null
    for (const name of Object.keys(seen)) {
      delete seen[name]
    }
  })

  const refused = (response: any, hook: string) =>
    expect([response.status, response.data.message]).toEqual([400, `${hook} refused by the store`])

  const welcomeSeries = async () => (await flows.listFlows({ handle: "welcome-series" }))[0]
  const contactByEmail = async (email: string) => (await flows.listContacts({ email }))[0]
  const createFlow = async (name = "Thank you") => (await api.post("/admin/flows", { name, definition }, store.adminHeaders)).data.flow

  it("tells consentCaptured who signed up for what, and starts the welcome series", async () => {
    await api.post(`/admin/flows/${(await welcomeSeries()).id}/activate`, {}, store.adminHeaders)
    const response = await api.post(
      "/store/flows/consent",
      signUp({ email: "ada@example.com", phone: "+14155550123", channels: ["email", "sms"] }),
      store.storeHeaders
    )
    expect(response.status).toBe(201)
    expect(seen.consentCaptured).toEqual([
      { contact_id: response.data.contact_id, channels: ["email"], awaiting_confirmation: ["sms"], source: "footer" },
    ])
    expect(await flows.listFlowRuns({ subject_id: response.data.contact_id, status: "active" })).toHaveLength(1)
  })

  it("withdraws the consent a sign-up gave, and ends its welcome run, when a consentCaptured handler fails", async () => {
    await api.post(`/admin/flows/${(await welcomeSeries()).id}/activate`, {}, store.adminHeaders)
    failingHook = "consentCaptured"
    const response = await attempt(
      api.post(
        "/store/flows/consent",
        signUp({ email: "ada@example.com", phone: "+14155550123", channels: ["email", "sms"] }),
        store.storeHeaders
      )
    )
    refused(response, "consentCaptured")
    const contact = await contactByEmail("ada@example.com")
    expect(contact.email_consent).toBe("unknown")
    expect(await flows.smsConsentOf("+14155550123")).toBeNull()
    expect(await flows.listFlowRuns({ subject_id: contact.id, status: "active" })).toEqual([])
    expect(await flows.listFlowRuns({ subject_id: contact.id })).toMatchObject([{ status: "exited", exit_reason: "consent_undone" }])
  })

  it("keeps consent given before a sign-up whose consentCaptured handler fails", async () => {
    await api.post("/store/flows/consent", signUp({ email: "ada@example.com", channels: ["email"] }), store.storeHeaders)
    failingHook = "consentCaptured"
    refused(
      await attempt(api.post("/store/flows/consent", signUp({ email: "ada@example.com", channels: ["email"] }), store.storeHeaders)),
      "consentCaptured"
    )
    expect((await contactByEmail("ada@example.com")).email_consent).toBe("granted")
  })

  it("tells flowCreated about a new flow, and deletes it when the handler fails", async () => {
    const flow = await createFlow()
    expect(seen.flowCreated).toEqual([{ flow: expect.objectContaining({ id: flow.id, name: "Thank you" }) }])

    failingHook = "flowCreated"
    refused(await attempt(api.post("/admin/flows", { name: "Refused", definition }, store.adminHeaders)), "flowCreated")
    expect(await flows.listFlows({ name: "Refused" }, { withDeleted: true })).toEqual([])
    expect(await flows.listFlowVersions({ flow_id: (seen.flowCreated[1] as any).flow.id })).toEqual([])
  })

  it("puts a flow's name, description and definition back when a flowUpdated handler fails", async () => {
    const flow = await createFlow()
    const edited = { ...definition, steps: [{ ...definition.steps[0], template: { subject: "Hi", html: "<p>Hi</p>" } }] }
    failingHook = "flowUpdated"
    refused(
      await attempt(api.post(`/admin/flows/${flow.id}`, { name: "Renamed", description: "New", definition: edited }, store.adminHeaders)),
      "flowUpdated"
    )
    expect(seen.flowUpdated).toEqual([{ flow: expect.objectContaining({ name: "Renamed" }), new_version: true }])
    const { flow: after } = (await api.get(`/admin/flows/${flow.id}`, store.adminHeaders)).data
    expect(after).toMatchObject({ name: "Thank you", description: null, definition })
  })

  it("puts a flow's status back when a flowStatusChanged handler fails", async () => {
    const flow = await createFlow()
    await api.post(`/admin/flows/${flow.id}/activate`, {}, store.adminHeaders)
    expect(seen.flowStatusChanged).toEqual([{ flow: expect.objectContaining({ id: flow.id, status: "active" }), previous_status: "draft" }])
    failingHook = "flowStatusChanged"
    refused(await attempt(api.post(`/admin/flows/${flow.id}/pause`, {}, store.adminHeaders)), "flowStatusChanged")
    expect((await flows.retrieveFlow(flow.id)).status).toBe("active")
  })

  it("restores a deleted flow, with its status, when a flowDeleted handler fails", async () => {
    const flow = await createFlow()
    await api.post(`/admin/flows/${flow.id}/activate`, {}, store.adminHeaders)
    failingHook = "flowDeleted"
    refused(await attempt(api.delete(`/admin/flows/${flow.id}`, store.adminHeaders)), "flowDeleted")
    expect(seen.flowDeleted).toEqual([{ id: flow.id }])
    const read = await api.get(`/admin/flows/${flow.id}`, store.adminHeaders)
    expect(read.data.flow).toMatchObject({ id: flow.id, status: "active" })
  })

  it("tells unsubscribed about one-click, and keeps the subscription when the handler fails", async () => {
    const { contact_id } = (
      await api.post("/store/flows/consent", signUp({ email: "ada@example.com", channels: ["email"] }), store.storeHeaders)
    ).data
    const flow = await createFlow()
    const token = signLinkToken(flows.getOptions().secret, "unsubscribe", contact_id, flow.id)
    const form = { headers: { "content-type": "application/x-www-form-urlencoded" } }
    const unsubscribe = (body: string) => attempt(api.post(`/flows/unsubscribe?token=${token}`, body, form))

    failingHook = "unsubscribed"
    refused(await unsubscribe("choice=flow"), "unsubscribed")
    expect(await flows.retrieveContact(contact_id)).toMatchObject({ email_consent: "granted", unsubscribed_flows: null })
    expect(await flows.listContactEvents({ contact_id, type: "email.unsubscribed" })).toEqual([])

    failingHook = null
    expect((await unsubscribe("List-Unsubscribe=One-Click")).status).toBe(200)
    expect(seen.unsubscribed).toEqual([
      { contact_id, flow_id: flow.id },
      { contact_id, flow_id: null },
    ])
    expect((await flows.retrieveContact(contact_id)).email_consent).toBe("unsubscribed")

    failingHook = "resubscribed"
    refused(await unsubscribe("choice=resubscribe"), "resubscribed")
    expect(seen.resubscribed).toEqual([{ contact_id }])
    expect((await flows.retrieveContact(contact_id)).email_consent).toBe("unsubscribed")
    expect(await flows.listContactEvents({ contact_id, type: "email.resubscribed" })).toEqual([])
  })
})
