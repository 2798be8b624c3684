import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import { FakeSendGrid } from "../fakes/sendgrid"
import { eventually, storeTestRunner } from "../helpers/store-fixtures"

jest.setTimeout(120_000)

const sendgrid = new FakeSendGrid()

// SendGrid is live and no storeAddress is set: what the address warnings are about.
beforeAll(async () => {
  await sendgrid.start()
  process.env.FLOWS_TEST_OPTIONS = JSON.stringify({
    sendgrid: { apiKey: sendgrid.apiKey, from: { email: "shop@example.com", name: "Test Store" }, apiBaseUrl: sendgrid.url },
    brand: { accentColor: "#2563eb" },
  })
})
afterAll(async () => {
  delete process.env.FLOWS_TEST_OPTIONS
  await sendgrid.stop()
})

const blocks = [
  { type: "header" },
  { type: "text", style: "heading", text: "Hi {{ customer.first_name }}, <b>your cart</b> is waiting" },
  { type: "items", source: "cart" },
  { type: "button", label: "Back to your cart", href: "{{ links.recovery }}" },
  { type: "footer" },
]
const definition = {
  trigger: { event: "cart.updated", filters: { all: [{ field: "cart.email", op: "exists" }] } },
  steps: [
    { id: "pause", type: "wait", duration: { amount: 1, unit: "seconds" } },
    { id: "hello", type: "send_email", template: { subject: "Your cart", blocks } },
  ],
}
const ADDRESS = "Test Store Ltd\n1 Main St\nSpringfield, IL 62701"

storeTestRunner(({ api, getContainer, store }) => {
  const admin = () => store.adminHeaders
  const fail = (e: any) => e.response

  it("warns, in the settings page and at start-up, while SendGrid is live without a postal address", async () => {
    const flows = getContainer().resolve<FlowsModuleService>(FLOWS_MODULE)
    const logger = getContainer().resolve("logger")
    const warn = jest.spyOn(logger, "warn")
    try {
      const before = await api.get("/admin/flows/settings", admin())
      expect(before.data.warnings).toEqual([{ code: "missing_address", message: expect.stringContaining("CAN-SPAM") }])
      expect(before.data.brand.effective).toMatchObject({ accent_color: "#2563eb", address: null, font: "helvetica" })
      expect(await flows.warnIfEmailHasNoAddress()).toBe(true)
      expect(warn).toHaveBeenCalledWith(expect.stringContaining("no postal address is set"))

      const saved = await api.post("/admin/flows/settings/brand", { address: ADDRESS, accent_color: "#16a34a", font: "georgia" }, admin())
      expect(saved.data.brand.effective).toMatchObject({
        address: ADDRESS,
        accent_color: "#16a34a",
        font: "georgia",
        background_color: "#f4f4f5",
      })
      const after = await api.get("/admin/flows/settings", admin())
      expect(after.data.warnings).toEqual([])
      warn.mockClear()
      expect(await flows.warnIfEmailHasNoAddress()).toBe(false)
      expect(warn).not.toHaveBeenCalled()
    } finally {
      warn.mockRestore()
    }
  })

  it("refuses brand settings that are not a URL, a colour or a font of the list", async () => {
    for (const body of [
      { logo_url: "javascript:alert(1)" },
      { accent_color: "red;background:url(x)" },
      { font: "Comic Sans" },
      { address: "x".repeat(501) },
      { colour: "#000000" },
    ]) {
      const response = await api.post("/admin/flows/settings/brand", body, admin()).catch(fail)
      expect([JSON.stringify(body), response.status]).toEqual([JSON.stringify(body), 400])
    }
  })

  it("saves an email built from blocks with its compiled HTML; preview, test send and sends use it", async () => {
    await api.post("/admin/flows/settings/brand", { address: ADDRESS, logo_url: "https://cdn.example.com/logo.png" }, admin())
    const created = await api.post("/admin/flows", { name: "Designer", definition }, admin())
    const template = created.data.flow.definition.steps[1].template
    expect(template.blocks).toEqual(blocks)
    // Compiled once, when saved: MJML's responsive layout, with the Liquid and the brand left for each send.
    expect(template.html).toContain("mj-column-per-100")
    expect(template.html).toContain("Hi {{ customer.first_name }}, &lt;b&gt;your cart&lt;/b&gt; is waiting")
    expect(template.html).toContain("{{ brand.accent_color }}")
    expect(template.html).toContain("{% for item in cart.items %}")

    // Saving the same blocks again is no new version: the compile is deterministic.
    const again = await api.post(`/admin/flows/${created.data.flow.id}`, { definition: created.data.flow.definition }, admin())
    expect(again.data.new_version).toBe(false)

    // The preview of the blocks is the render of the saved HTML.
    const fromBlocks = await api.post(
      "/admin/flows/preview",
      { channel: "email", sample: "cart", template: { subject: "s", blocks } },
      admin()
    )
    const fromSaved = await api.post(
      "/admin/flows/preview",
      { channel: "email", sample: "cart", template: { subject: "s", html: template.html } },
      admin()
    )
    expect(fromBlocks.data.preview.html).toBe(fromSaved.data.preview.html)
    const html: string = fromBlocks.data.preview.html
    expect(html).toContain("Hi Ann, &lt;b&gt;your cart&lt;/b&gt; is waiting")
    expect(html).toMatch(/Test Store Ltd<br \/>\s*1 Main St<br \/>\s*Springfield, IL 62701/)
    expect(html).toContain('src="https://cdn.example.com/logo.png"')
    expect(html).toContain('bgcolor="#2563eb"')

    const test = await api.post(
      `/admin/flows/${created.data.flow.id}/steps/hello/send-test`,
      { to: "owner@example.com", sample: "cart" },
      admin()
    )
    expect(test.data.message).toMatchObject({ provider: "sendgrid", status: "sent" })
    const request = sendgrid.requests.find((r) => r.body.personalizations[0].to[0].email === "owner@example.com")!
    const sentHtml: string = request.body.content.find((c: any) => c.type === "text/html").value
    expect(sentHtml).toMatch(/Test Store Ltd<br \/>\s*1 Main St/)
    expect(sentHtml).toContain('bgcolor="#2563eb"')

    // A real send of the saved version, to a shopper's cart.
    await api.post(`/admin/flows/${created.data.flow.id}/activate`, {}, admin())
    await api.post(
      "/store/carts",
      { region_id: store.regionId, email: "shopper@example.com", items: [{ variant_id: store.variantId, quantity: 2 }] },
      store.storeHeaders
    )
    const sent = await eventually(
      async () => sendgrid.requests.find((r) => r.body.personalizations[0].to[0].email === "shopper@example.com"),
      30_000
    )
    const shopperHtml: string = sent.body.content.find((c: any) => c.type === "text/html").value
    expect(shopperHtml).toContain("Qty 2")
    expect(shopperHtml).toMatch(/Springfield, IL 62701/)
    expect(shopperHtml).toMatch(/<a\s+href="http:\/\/localhost:9000\/flows\/[^"]+"[^>]*>\s*Back to your cart/)
  })

  it("refuses blocks past their bounds or with broken Liquid, naming the block", async () => {
    const withBlocks = (b: unknown) => ({
      ...definition,
      steps: [{ id: "hello", type: "send_email", template: { subject: "s", blocks: b } }],
    })
    const tooMany = await api
      .post("/admin/flows", { name: "x", definition: withBlocks(Array(41).fill({ type: "divider" })) }, admin())
      .catch(fail)
    expect(tooMany.status).toBe(400)
    expect(tooMany.data.message).toMatch(/blocks.*at most.*40/)
    const broken = await api
      .post("/admin/flows", { name: "x", definition: withBlocks([{ type: "text", text: "{% if x %}" }]) }, admin())
      .catch(fail)
    expect(broken.status).toBe(400)
    expect(broken.data.message).toContain("steps.hello.blocks.0.text")
    const script = await api
      .post(
        "/admin/flows/preview",
        { channel: "email", template: { subject: "s", blocks: [{ type: "button", label: "x", href: "javascript:alert(1)" }] } },
        admin()
      )
      .catch(fail)
    expect(script.status).toBe(400)
  })
})
