import { decide, parseFlowDefinition, renderEmail, renderSms, sampleTemplateVariables, templateIssuesOf, walkSteps } from "../../../engine"
import { BUILT_IN_FLOWS } from "../built-in"
import { EMAIL_CONFIRMATION } from "../built-in/email-confirmation"
import { compiledEmail } from "../email/compile"

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
        const email = await renderEmail(await compiledEmail(step.template), variables)
        expect(email.html).toContain('<img src="https://images.example.com/tote.jpg"')
        expect(email.html).toContain("Qty 2")
        expect(email.html).toContain("$64.00")
        expect(email.html).toContain('href="https://shop.example.com/cart?recover=sample"')
        expect(email.html).toContain('href="https://shop.example.com/unsubscribe?sample"')
        // The text part made from the HTML keeps each item's row together, cells apart.
        expect(email.text).toContain("Canvas Tote\nNatural\nQty 1 $35.00\n\nEnamel Mug\nBlue\nQty 2 $29.00\n\nTotal $64.00")
        expect(email.text).toMatch(/Return to your cart \[https:\/\/shop\.example\.com\/cart\?recover=sample\]|Complete your order \[/)
        expect(email.text).not.toMatch(/ $|\n\n\n/m)
        if (step.discount) {
          expect(email.subject).toBe("10% off your cart at Sample Store")
          expect(email.html).toContain("COMEBACK-SAMPLE1")
          expect(email.html).toContain("before January 22, 2026")
        }
      }
      if (step.type === "send_sms") {
        const { body } = await renderSms(step.template, variables)
        expect(body).toBe(
          "Sample Store: your cart ($64.00) is still waiting. https://shop.example.com/cart?recover=sample Reply STOP to opt out."
        )
      }
    }
  })

  it("links each ordered product to its review page in the review request", async () => {
    const flow = BUILT_IN_FLOWS.find((f) => f.handle === "review-request")!
    const step = flow.definition.steps.find((s) => s.type === "send_email")!
    const email = await renderEmail(await compiledEmail((step as any).template), sampleTemplateVariables("order"))
    expect(email.html).toContain('href="https://shop.example.com/products/canvas-tote#reviews"')
    expect(email.html).toContain('href="https://shop.example.com/products/enamel-mug#reviews"')
    expect(email.subject).toBe("How do you like your order from Sample Store?")
  })

  it("carries the sender's postal address and the unsubscribe link in every built-in email", async () => {
    const emails: { id: string; template: Parameters<typeof compiledEmail>[0] }[] = [
      { id: "email-confirmation", template: EMAIL_CONFIRMATION },
    ]
    for (const flow of BUILT_IN_FLOWS) {
      walkSteps(flow.definition.steps, (step) => {
        if (step.type === "send_email") {
          expect(step.template.blocks).toBeDefined()
          emails.push({ id: `${flow.handle}.${step.id}`, template: step.template })
        }
      })
    }
    expect(emails.length).toBeGreaterThanOrEqual(7)
    for (const kind of ["cart", "order", "customer"] as const) {
      const sample = sampleTemplateVariables(kind)
      const variables = { ...sample, store: { ...sample.store, address: "Sample Store Ltd\n1 Main St <Suite 5>\nSpringfield, IL 62701" } }
      for (const { id, template } of emails) {
        const email = await renderEmail(await compiledEmail(template), variables)
        // Each line on its own, and what the owner typed is text, not markup.
        expect([id, email.html]).toEqual([
          id,
          expect.stringMatching(/Sample Store Ltd<br \/>\s*1 Main St &lt;Suite 5&gt;<br \/>\s*Springfield, IL 62701/),
        ])
        expect([id, email.text]).toEqual([id, expect.stringContaining("Springfield, IL 62701")])
        expect([id, email.html]).toEqual([id, expect.stringContaining('href="https://shop.example.com/unsubscribe?sample"')])
      }
    }
  })

  it("asks for the review 5 days after delivery, or counts from a week after shipping", () => {
    const definition = parseFlowDefinition(BUILT_IN_FLOWS.find((f) => f.handle === "review-request")!.definition)
    const shipped = new Date("2026-03-02T15:00:00Z")
    const run = { id: "flowrun_r", step_id: null, step_entered_at: shipped, timezone: "UTC" }
    const day = 86_400_000
    expect(decide(definition, run, { order: { delivered: false } }, new Date(shipped.getTime() + day))).toMatchObject({
      type: "wait",
      step_id: "until-delivered",
    })
    // Delivered on day 2: five days on, at 10:00 the recipient's time.
    const delivered = new Date(shipped.getTime() + 2 * day)
    expect(decide(definition, run, { order: { delivered: true } }, delivered)).toMatchObject({
      type: "wait",
      step_id: "wait-5d",
      until: new Date("2026-03-10T10:00:00Z"),
    })
    // No delivery recorded: the wait for it ends after 7 days, then the 5 days run.
    expect(decide(definition, run, { order: { delivered: false } }, new Date(shipped.getTime() + 7 * day + 1000))).toMatchObject({
      type: "wait",
      step_id: "wait-5d",
      until: new Date("2026-03-15T10:00:00Z"),
    })
    const reviewRun = { ...run, step_id: "wait-5d", step_entered_at: delivered }
    const facts = { order: { delivered: true, email: "ann@example.com" } }
    expect(decide(definition, reviewRun, facts, new Date("2026-03-10T10:00:01Z"))).toMatchObject({
      type: "send",
      step_id: "review-email",
    })
  })

  it("ends abandoned-cart runs on an order and restarts their wait on cart activity", () => {
    const flow = BUILT_IN_FLOWS.find((f) => f.handle === "abandoned-cart")!
    expect(flow.definition.trigger.restart_wait_on_activity).toBe(true)
    expect(flow.definition.exit?.events).toEqual([{ event: "order.placed" }])
  })
})
