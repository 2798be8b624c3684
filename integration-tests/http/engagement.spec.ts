import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import { eventually, storeTestRunner } from "../helpers/store-fixtures"

jest.setTimeout(120_000)

/** Says hello on the channel each new subscriber prefers. */
const hello = {
  trigger: { event: "newsletter.subscribed" },
  steps: [
    {
      id: "hello",
      type: "send_preferred",
      email: { subject: "Hello from {{ store.name }}", html: "<p>Hello</p>" },
      sms: { body: "{{ store.name }}: hello! Reply STOP to opt out." },
    },
  ],
}

// The storefront form alone grants SMS consent here, so a sign-up can give a number its consent at once.
beforeAll(() => {
  process.env.FLOWS_TEST_OPTIONS = JSON.stringify({ smsDoubleOptIn: false })
})
afterAll(() => {
  delete process.env.FLOWS_TEST_OPTIONS
})

storeTestRunner(({ api, getContainer, store }) => {
  let flows: FlowsModuleService

  beforeEach(() => {
    flows = getContainer().resolve(FLOWS_MODULE)
  })

  const signUp = (fields: Record<string, unknown>) =>
    api.post("/store/flows/consent", { source: "footer", text: "Send me news", ...fields }, store.storeHeaders)

  it("sends a preferred-channel step by the stated preference, and on email when the number has no SMS consent", async () => {
    const { data } = await api.post("/admin/flows", { name: "Hello", definition: hello }, store.adminHeaders)
    await api.post(`/admin/flows/${data.flow.id}/activate`, {}, store.adminHeaders)

    await signUp({ email: "texter@example.com", phone: "+14155550111", channels: ["email", "sms"], preferred_channel: "sms" })
    await signUp({ email: "nosms@example.com", phone: "+14155550112", channels: ["email"], preferred_channel: "sms" })

    const messages = await eventually(async () => {
      const found = await flows.listMessages({ flow_id: data.flow.id }, { order: { to: "ASC" } })
      return found.length === 2 ? found : undefined
    })
    const byContact = Object.fromEntries(messages.map((m) => [m.to, m.channel]))
    expect(byContact).toEqual({ "+14155550111": "sms", "nosms@example.com": "email" })
    expect(messages.every((m) => m.step_id === "hello" && m.status !== "skipped")).toBe(true)
  })

  it("shows a customer's engagement level and lets the admin set their preferred channel", async () => {
    const customer = (await api.post("/admin/customers", { email: "pref@example.com", first_name: "Ada" }, store.adminHeaders)).data
      .customer
    const path = `/admin/flows/customers/${customer.id}`
    const first = await eventually(async () => {
      const { data } = await api.get(path, store.adminHeaders)
      return data.contact ? data : undefined
    })
    expect(first.engagement.level).toBe("new")
    expect(first.contact.preferred_channel).toBeNull()

    const set = await api.post(path, { preferred_channel: "sms" }, store.adminHeaders)
    expect(set.data.contact.preferred_channel).toBe("sms")
    expect((await api.get(path, store.adminHeaders)).data.contact.preferred_channel).toBe("sms")

    const refused = await api.post(path, { preferred_channel: "fax" }, store.adminHeaders).catch((error: any) => error.response)
    expect(refused.status).toBe(400)
    const unknown = await api
      .post("/admin/flows/customers/cus_nobody", { preferred_channel: null }, store.adminHeaders)
      .catch((error: any) => error.response)
    expect(unknown.status).toBe(404)
  })
})
