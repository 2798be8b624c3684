import { parseFlowDefinition, renderEmail, renderSms, sampleTemplateVariables, templateIssuesOf, walkSteps } from "../../../engine"
import { BUILT_IN_FLOWS } from "../built-in"

describe("built-in flows", () => {
  it.each(BUILT_IN_FLOWS.map((flow) => [flow.handle, flow]))("%s is a valid definition with valid templates", (_handle, flow) => {
    const definition = parseFlowDefinition(flow.definition)
    expect(templateIssuesOf(definition)).toEqual([])
  })

  it("shows the cart's items, total and recovery link in the abandoned-cart emails", async () => {
    const flow = BUILT_IN_FLOWS.find((f) => f.handle === "abandoned-cart")!
    const variables = sampleTemplateVariables("cart")
    const rendered: string[] = []
    walkSteps(flow.definition.steps, (step) => {
      if (step.type === "send_email") {
        rendered.push(step.id)
      }
    })
    expect(rendered).toEqual(["reminder-email", "last-call-email"])
    for (const step of flow.definition.steps) {
      if (step.type === "send_email") {
        const email = await renderEmail(step.template, variables)
        expect(email.html).toContain('<img src="https://images.example.com/tote.jpg"')
        expect(email.html).toContain("Qty 2")
        expect(email.html).toContain("$64.00")
        expect(email.html).toContain('href="https://shop.example.com/cart?recover=sample"')
        expect(email.html).toContain('href="https://shop.example.com/unsubscribe?sample"')
        expect(email.text).toContain("Canvas Tote")
        if (step.discount) {
          expect(email.subject).toBe("10% off your cart at Sample Store")
          expect(email.html).toContain("COMEBACK-SAMPLE1")
          expect(email.html).toContain("before January 22, 2026")
        }
      }
      if (step.type === "send_sms") {
        const { body } = await renderSms(step.template, variables)
        expect(body).toBe("Sample Store: your cart ($64.00) is still waiting. https://shop.example.com/cart?recover=sample Reply STOP to opt out.")
      }
    }
  })

  it("ends abandoned-cart runs on an order and restarts their wait on cart activity", () => {
    const flow = BUILT_IN_FLOWS.find((f) => f.handle === "abandoned-cart")!
    expect(flow.definition.trigger.restart_wait_on_activity).toBe(true)
    expect(flow.definition.exit?.events).toEqual([{ event: "order.placed" }])
  })
})
