import path from "node:path"
import { moduleIntegrationTestRunner } from "@medusajs/test-utils"
import { assignVariant } from "../../src/engine"
import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import type { StoreEvent } from "../../src/modules/flows/types"

jest.setTimeout(60_000)

const options = {
  storefrontUrl: "http://storefront.test",
  secret: "test-secret-that-is-at-least-32-characters",
  scheduler: { pollIntervalMs: 1000, batchSize: 10, leaseMs: 5_000 },
  // The cross-flow maximum alone: per-channel caps and flow priority have their own suite (smart-sending).
  defaults: {
    attributionWindow: { amount: 5, unit: "days" },
    frequencyCap: { max: 10, per: { amount: 1, unit: "days" } },
    channelCaps: { email: null, sms: null },
    overlapWindow: null,
  },
}

/** An A/B test: variant a sends one email, variant b another; then a shared follow-up. */
const definition = {
  trigger: { event: "cart.updated" },
  steps: [
    {
      id: "ab",
      type: "split",
      variants: [
        { key: "a", weight: 1, steps: [{ id: "email-a", type: "send_email", template: { subject: "A", html: "<p>A</p>" } }] },
        { key: "b", weight: 1, steps: [{ id: "email-b", type: "send_email", template: { subject: "B", html: "<p>B</p>" } }] },
      ],
    },
    { id: "follow-up", type: "send_email", template: { subject: "Again", html: "<p>Again</p>" } },
  ],
}

const HOUR = 3_600_000

function cartEvent(cartId: string, email: string, at: Date): StoreEvent {
  return {
    name: "cart.updated",
    occurred_at: at,
    subject: { type: "cart", id: cartId },
    identity: { cart_id: cartId, email },
    facts: { cart: { id: cartId, email, item_count: 1 } },
  }
}

function orderEvent(orderId: string, email: string, total: number, at: Date, currency_code = "eur"): StoreEvent {
  return {
    name: "order.placed",
    occurred_at: at,
    subject: { type: "order", id: orderId },
    identity: { order_id: orderId, email },
    facts: { order: { id: orderId, email, total, currency_code } },
  }
}

moduleIntegrationTestRunner<FlowsModuleService>({
  moduleName: FLOWS_MODULE,
  resolve: path.join(__dirname, "../../src/modules/flows"),
  moduleOptions: options,
  cwd: path.join(__dirname, "../.."),
  testSuite: ({ service }) => {
    /** One run per email entering the A/B flow at `at`, each sent its variant's email at `at`. */
    async function sendVariants(emails: string[], at: Date) {
      const flow = await service.setFlowStatus((await service.createFlowWithDefinition({ name: "A/B", definition })).id, "active")
      for (const email of emails) {
        await service.recordEvent(cartEvent(`cart_${email}`, email, at))
      }
      const runs = await service.claimDueRuns(new Date(at.getTime() + 1000))
      for (const run of runs) {
        const variant = assignVariant(run.id, "ab", definition.steps[0].variants as any)
        const stepId = variant.steps[0].id
        await service.deliverStepMessage(
          run,
          { id: stepId, channel: "email" },
          {
            rendered: { channel: "email", subject: variant.key, html: "<p>x</p>" },
          },
          at
        )
      }
      return { flow, runs }
    }

    it("credits an order to the last message within the window, a click before a mere send, once", async () => {
      const sentAt = new Date(Date.now() - 2 * HOUR)
      const { flow } = await sendVariants(["ann@example.com"], sentAt)
      const [message] = await service.listMessages({ flow_id: flow.id })

      const placedAt = new Date(Date.now() - HOUR)
      await service.recordEvent(orderEvent("order_1", "ann@example.com", 120.5, placedAt))
      await service.recordEvent(orderEvent("order_1", "ann@example.com", 120.5, placedAt))
      const conversions = await service.listConversions({})
      expect(conversions).toHaveLength(1)
      expect(conversions[0]).toMatchObject({
        order_id: "order_1",
        flow_id: flow.id,
        message_id: message.id,
        step_id: message.step_id,
        touch: "message",
        currency_code: "eur",
      })
      expect(Number(conversions[0].amount)).toBe(120.5)

      // An order long after the window is nobody's.
      await service.recordEvent(orderEvent("order_late", "ann@example.com", 10, new Date(sentAt.getTime() + 6 * 24 * HOUR)))
      expect(await service.listConversions({ order_id: "order_late" })).toHaveLength(0)
    })

    it("keeps a machine open (Apple Mail Privacy Protection) on the timeline without counting it as opened", async () => {
      const at = new Date(Date.now() - 3 * HOUR)
      const { flow } = await sendVariants(["mo@example.com", "hu@example.com"], at)
      const [proxied, read] = await service.listMessages({ flow_id: flow.id }, { order: { to: "desc" } })
      const open = (id: string, eventId: string, machine: boolean) => ({
        event: "open",
        sg_event_id: eventId,
        email: id === proxied.id ? "mo@example.com" : "hu@example.com",
        timestamp: Math.floor(at.getTime() / 1000) + 60,
        sg_machine_open: machine,
        flows_message_id: id,
      })
      await service.recordSendGridEvents([open(proxied.id, "evt-mpp-1", true), open(read.id, "evt-human-1", false)] as any)
      expect((await service.retrieveMessage(proxied.id)).status).toBe(proxied.status)
      expect((await service.retrieveMessage(read.id)).status).toBe("opened")
      const types = async (contactId: string) => (await service.listContactEvents({ contact_id: contactId })).map((e) => e.type)
      expect(await types(proxied.contact_id!)).toContain("email.machine_opened")
      expect(await types(proxied.contact_id!)).not.toContain("email.opened")
      expect(await types(read.contact_id!)).toContain("email.opened")
    })

    it("prefers the message the buyer clicked over a later one they only received", async () => {
      const at = new Date(Date.now() - 3 * HOUR)
      const { flow, runs } = await sendVariants(["bo@example.com"], at)
      const [clicked] = await service.listMessages({ flow_id: flow.id })
      await service.recordSendGridEvents([
        {
          event: "click",
          sg_event_id: "evt-click-1",
          email: "bo@example.com",
          url: "https://shop.test",
          timestamp: Math.floor(at.getTime() / 1000) + 60,
          flows_message_id: clicked.id,
        } as any,
      ])
      // A later message from the shared follow-up step, never clicked.
      await service.deliverStepMessage(
        { ...runs[0] },
        { id: "follow-up", channel: "email" },
        {
          rendered: { channel: "email", subject: "Again", html: "<p>Again</p>" },
        },
        new Date(at.getTime() + HOUR)
      )
      await service.recordEvent(orderEvent("order_2", "bo@example.com", 30, new Date(Date.now() - HOUR)))
      const [conversion] = await service.listConversions({ order_id: "order_2" })
      expect(conversion).toMatchObject({ message_id: clicked.id, touch: "click" })
    })

    it("adds up sends, opens, clicks, orders, revenue and unsubscribes per flow, step, day and A/B variant", async () => {
      const emails = Array.from({ length: 8 }, (_, i) => `p${i}@example.com`)
      const at = new Date(Date.now() - 5 * HOUR)
      const { flow } = await sendVariants(emails, at)
      const messages = await service.listMessages({ flow_id: flow.id })
      expect(messages).toHaveLength(8)
      const [first, second, third] = messages
      await service.updateMessages([
        { id: first.id, status: "clicked" },
        { id: second.id, status: "opened" },
        { id: third.id, status: "bounced" },
      ])
      await service.recordEvent(orderEvent("order_a", first.to!, 50, new Date(Date.now() - 2 * HOUR)))
      await service.recordEvent(orderEvent("order_b", second.to!, 20, new Date(Date.now() - 2 * HOUR), "usd"))
      await service.unsubscribeEmail(messages[3].contact_id!, flow.id)

      const report = await service.analytics({ from: new Date(Date.now() - 24 * HOUR), to: new Date(), flow_id: flow.id })
      expect(report.flows).toEqual([
        expect.objectContaining({
          flow_id: flow.id,
          name: "A/B",
          sent: 8,
          delivered: 7,
          opened: 2,
          clicked: 1,
          failed: 1,
          converted: 2,
          unsubscribed: 1,
          revenue: expect.arrayContaining([
            { currency_code: "eur", amount: 50 },
            { currency_code: "usd", amount: 20 },
          ]),
        }),
      ])
      // One flow in the period: the totals are its figures.
      const { flow_id: _flowId, name: _name, ...figures } = report.flows[0]
      expect(report.totals).toEqual(figures)
      const perStep = Object.fromEntries(report.steps.map((s) => [s.step_id, s.sent]))
      expect(perStep["email-a"] + perStep["email-b"]).toBe(8)

      const [split] = report.variants
      expect(split).toMatchObject({ flow_id: flow.id, split_id: "ab" })
      expect(split.variants.map((v) => v.key)).toEqual(["a", "b"])
      for (const variant of split.variants) {
        const stepId = `email-${variant.key}`
        expect(variant.sent).toBe(perStep[stepId])
        expect(variant.converted).toBe(messages.slice(0, 2).filter((m) => m.step_id === stepId).length)
      }

      // Sends fall on the day they were sent, orders on the day they were placed: before 05:00 UTC those
      // are two days, so the days are added up.
      const sumOf = (field: "sent" | "opened" | "clicked" | "converted") => report.daily.reduce((sum, d) => sum + d[field], 0)
      expect(report.daily.find((d) => d.day === at.toISOString().slice(0, 10))).toMatchObject({ sent: 8, opened: 2, clicked: 1 })
      expect({ sent: sumOf("sent"), converted: sumOf("converted") }).toEqual({ sent: 8, converted: 2 })

      // The flows list shows the same numbers, with the runs still in progress.
      const listed = (await service.flowStats(new Date(Date.now() - 24 * HOUR))).find((row) => row.flow_id === flow.id)
      expect(listed).toMatchObject({ active_runs: 8, sent: 8, opened: 2, clicked: 1, converted: 2 })
      expect(listed!.revenue).toEqual(
        expect.arrayContaining([
          { currency_code: "eur", amount: 50 },
          { currency_code: "usd", amount: 20 },
        ])
      )

      // Another period holds none of it.
      const before = await service.analytics({ from: new Date(Date.now() - 48 * HOUR), to: new Date(Date.now() - 24 * HOUR) })
      expect(before.flows).toEqual([])
    })

    it("retries a failed message once, however often it is asked, and only with consent", async () => {
      const { flow } = await sendVariants(["retry@example.com", "nope@example.com", "left@example.com"], new Date())
      const [mine, theirs, left] = await service.listMessages({ flow_id: flow.id }, { order: { to: "DESC" } })
      expect([mine.to, theirs.to, left.to]).toEqual(["retry@example.com", "nope@example.com", "left@example.com"])
      await service.updateMessages([mine, theirs, left].map((m) => ({ id: m.id, status: "failed" as const, error: "HTTP 500" })))

      const results = await Promise.allSettled([service.retryMessage(mine.id), service.retryMessage(mine.id)])
      expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"])
      const retried = await service.retrieveMessage(mine.id)
      expect(retried).toMatchObject({ status: "delivered", error: null })

      await expect(service.retryMessage(mine.id)).rejects.toThrow(
        "Only a failed or uncertain message can be retried; this one is delivered"
      )
      await service.updateContacts({ id: theirs.contact_id!, email_consent: "unsubscribed" })
      await expect(service.retryMessage(theirs.id)).rejects.toThrow("Not retried: unsubscribed from email")
      expect((await service.retrieveMessage(theirs.id)).status).toBe("failed")
      await service.unsubscribeEmail(left.contact_id!, flow.id)
      await expect(service.retryMessage(left.id)).rejects.toThrow("Not retried: unsubscribed from this flow")
    })

    it("counts opened and clicked messages toward the frequency cap", async () => {
      const at = new Date()
      const { flow, runs } = await sendVariants(["capped@example.com"], at)
      const [message] = await service.listMessages({ flow_id: flow.id })
      await service.updateMessages({ id: message.id, status: "opened" })
      const count = await service.listMessages({ contact_id: message.contact_id, status: ["opened"] })
      expect(count).toHaveLength(1)
      // The cap is 10 a day: nine more go out, the eleventh is held back.
      const outcomes: unknown[] = []
      for (let i = 0; i < 10; i++) {
        outcomes.push(
          await service.deliverStepMessage(
            runs[0],
            { id: `extra-${i}`, channel: "email" },
            {
              rendered: { channel: "email", subject: "More", html: "<p>More</p>" },
            },
            at
          )
        )
      }
      expect(outcomes.filter((o) => o === "sent")).toHaveLength(9)
      expect(outcomes[9]).toBe("skipped")
    })

    it("counts, per step of one flow, the runs waiting there and the last 30 days' sends and orders", async () => {
      const at = new Date(Date.now() - 2 * HOUR)
      const { flow, runs } = await sendVariants(["wa@example.com", "wb@example.com", "wc@example.com"], at)
      await service.recordEvent(orderEvent("order_w", "wa@example.com", 40, new Date(at.getTime() + HOUR)))
      // Two runs wait at the follow-up; the third has not been placed on a step yet.
      for (const run of runs.slice(0, 2)) {
        await service.parkRun(run, { step_id: "follow-up", step_entered_at: at, next_run_at: new Date(at.getTime() + HOUR), trail: [] })
      }
      const counts = await service.stepCounts(flow.id)
      const sentA = runs.filter((run) => assignVariant(run.id, "ab", definition.steps[0].variants as any).key === "a").length
      expect(counts.entering).toBe(1)
      expect(counts.steps["follow-up"]).toEqual({ waiting: 2, sent: 0, converted: 0 })
      expect((counts.steps["email-a"]?.sent ?? 0) + (counts.steps["email-b"]?.sent ?? 0)).toBe(3)
      expect(counts.steps["email-a"]?.sent ?? 0).toBe(sentA)
      const converted = Object.values(counts.steps).reduce((sum, step) => sum + step.converted, 0)
      expect(converted).toBe(1)
      // Sends older than 30 days are left out.
      const later = await service.stepCounts(flow.id, new Date(at.getTime() + 31 * 24 * HOUR))
      expect(Object.values(later.steps).map((step) => step.sent)).toEqual(Object.values(later.steps).map(() => 0))
      // Another flow has none of them.
      const other = await service.createFlowWithDefinition({ name: "Other", definition })
      expect(await service.stepCounts(other.id)).toMatchObject({ entering: 0, steps: {} })
    })
  },
})
