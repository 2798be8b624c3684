import path from "node:path"
import { moduleIntegrationTestRunner } from "@medusajs/test-utils"
import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import type { StoreEvent } from "../../src/modules/flows/types"
import { planRead } from "../../src/modules/flows/actions/reporting"

jest.setTimeout(120_000)

const options = {
  storefrontUrl: "http://storefront.test",
  secret: "test-secret-that-is-at-least-32-characters",
  scheduler: { pollIntervalMs: 1000, batchSize: 10, leaseMs: 5_000 },
  // Caps per channel and flow priority have their own suite (smart-sending); here they would hide what is tested.
  defaults: {
    attributionWindow: { amount: 5, unit: "days" },
    frequencyCap: { max: 10, per: { amount: 1, unit: "days" } },
    channelCaps: { email: null, sms: null },
    overlapWindow: null,
  },
}

const HOUR = 3_600_000
const DAY = 24 * HOUR
/** Noon UTC ten days ago: every figure below falls on whole days in the past. */
const BASE = new Date(Math.floor(Date.now() / DAY) * DAY - 10 * DAY + 12 * HOUR)

const emailFlow = (subject: string) => ({
  trigger: { event: "cart.updated" },
  steps: [{ id: "mail", type: "send_email", template: { subject, html: "<p>x</p>" } }],
})

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
  // A database of its own: suites run in parallel on a shared Postgres would otherwise reset each other's.
  dbName: "medusa-flows-metrics-integration",
  resolve: path.join(__dirname, "../../src/modules/flows"),
  moduleOptions: options,
  cwd: path.join(__dirname, "../.."),
  testSuite: ({ service, MikroOrmWrapper }) => {
    async function activeFlow(name: string) {
      return await service.setFlowStatus((await service.createFlowWithDefinition({ name, definition: emailFlow(name) })).id, "active")
    }

    /** Each email enters `flow` and gets its email at `at`. */
    let carts = 0
    async function send(flow: { id: string }, emails: string[], at: Date) {
      // A cart event enters every active flow: only this flow's runs for these carts are sent.
      const cartIds = new Set<string>()
      for (const email of emails) {
        const cartId = `cart_${++carts}`
        cartIds.add(cartId)
        await service.recordEvent(cartEvent(cartId, email, at))
      }
      const runs = (await service.claimDueRuns(new Date(at.getTime() + 1000))).filter(
        (r) => r.flow_id === flow.id && cartIds.has(r.subject_id)
      )
      for (const run of runs) {
        await service.deliverStepMessage(
          run,
          { id: "mail", channel: "email" },
          { rendered: { channel: "email", subject: "x", html: "<p>x</p>" } },
          at
        )
      }
      return await service.listMessages({ flow_id: flow.id }, { order: { to: "ASC" } })
    }

    const sendgrid = (event: string, id: string, email: string, at: Date, extra: Record<string, unknown> = {}) => ({
      event,
      sg_event_id: `${event}-${id}-${at.getTime()}-${JSON.stringify(extra)}`,
      email,
      timestamp: Math.floor(at.getTime() / 1000),
      flows_message_id: id,
      ...extra,
    })

    const period = { from: new Date(BASE.getTime() - DAY), to: new Date(BASE.getTime() + 8 * DAY) }

    it("credits an order at the window's last moment and not one after, to the right one of two flows, per currency", async () => {
      const welcome = await activeFlow("Welcome")
      const recovery = await activeFlow("Recovery")
      const [toAnn] = await send(welcome, ["ann@example.com"], BASE)
      const [toBob] = await send(recovery, ["bob@example.com"], new Date(BASE.getTime() + HOUR))
      // Ann also gets the recovery email later: the later message wins.
      const [annRecovery] = (await send(recovery, ["ann@example.com"], new Date(BASE.getTime() + 2 * HOUR))).filter(
        (m) => m.to === "ann@example.com"
      )

      // The window is 5 days from the last message: its last millisecond counts, the next does not.
      const edge = new Date(annRecovery.sent_at!.getTime() + 5 * DAY)
      await service.recordEvent(orderEvent("order_edge", "ann@example.com", 80, edge))
      await service.recordEvent(orderEvent("order_past", "ann@example.com", 99, new Date(edge.getTime() + 1)))
      await service.recordEvent(orderEvent("order_bob", "bob@example.com", 30, new Date(BASE.getTime() + DAY), "usd"))

      const credited = await service.listConversions({})
      expect(credited.map((c) => [c.order_id, c.message_id]).sort()).toEqual(
        [
          ["order_bob", toBob.id],
          ["order_edge", annRecovery.id],
        ].sort()
      )
      expect(toAnn.flow_id).toBe(welcome.id)

      const report = await service.analytics(period)
      const byFlow = Object.fromEntries(report.flows.map((f) => [f.flow_id, f]))
      expect(byFlow[welcome.id]).toMatchObject({ sent: 1, converted: 0, revenue: [] })
      expect(byFlow[recovery.id]).toMatchObject({ sent: 2, converted: 2 })
      expect(byFlow[recovery.id].revenue).toEqual(
        expect.arrayContaining([
          { currency_code: "eur", amount: 80 },
          { currency_code: "usd", amount: 30 },
        ])
      )
    })

    it("takes refunds and cancellations off the revenue, per currency, once however often the event comes", async () => {
      const flow = await activeFlow("Refunds")
      await send(flow, ["r1@example.com", "r2@example.com", "r3@example.com"], BASE)
      await service.recordEvent(orderEvent("o_eur", "r1@example.com", 100, new Date(BASE.getTime() + HOUR)))
      await service.recordEvent(orderEvent("o_usd", "r2@example.com", 50, new Date(BASE.getTime() + HOUR), "usd"))
      await service.recordEvent(orderEvent("o_gone", "r3@example.com", 70, new Date(BASE.getTime() + HOUR)))

      const refund = {
        order_id: "o_eur",
        kind: "refund" as const,
        dedupe_key: "refund:ref_1",
        amount: 30,
        currency_code: "eur",
        occurred_at: new Date(),
      }
      expect(await service.adjustAttributedRevenue(refund)).toMatchObject({ amount: 30 })
      expect(await service.adjustAttributedRevenue(refund)).toBeNull()
      // A second refund larger than what is left takes back only the rest.
      await service.adjustAttributedRevenue({ ...refund, dedupe_key: "refund:ref_2", amount: 500 })
      // A refund in another currency than the order's is not the order's money.
      expect(
        await service.adjustAttributedRevenue({
          ...refund,
          order_id: "o_usd",
          dedupe_key: "refund:ref_3",
          amount: 10,
          currency_code: "eur",
        })
      ).toBeNull()
      await service.adjustAttributedRevenue({
        ...refund,
        order_id: "o_usd",
        dedupe_key: "refund:ref_4",
        amount: 12.5,
        currency_code: "usd",
      })
      const cancel = {
        order_id: "o_gone",
        kind: "cancel" as const,
        dedupe_key: "cancel:o_gone",
        currency_code: "eur",
        occurred_at: new Date(),
      }
      await service.adjustAttributedRevenue(cancel)
      await service.adjustAttributedRevenue(cancel)
      // Not credited to a flow: nothing to adjust.
      expect(await service.adjustAttributedRevenue({ ...cancel, order_id: "o_other", dedupe_key: "cancel:o_other" })).toBeNull()

      const [figures] = (await service.analytics({ ...period, flow_id: flow.id })).flows
      expect(figures).toMatchObject({ converted: 2, canceled: 1 })
      expect(figures.revenue).toEqual(
        expect.arrayContaining([
          { currency_code: "eur", amount: 0 },
          { currency_code: "usd", amount: 37.5 },
        ])
      )
      expect(figures.refunded).toEqual(
        expect.arrayContaining([
          { currency_code: "eur", amount: 170 },
          { currency_code: "usd", amount: 12.5 },
        ])
      )
    })

    it("counts machine opens apart, SMS clicks only as clicks, and click-through per link", async () => {
      const flow = await activeFlow("Engagement")
      const [human, proxied, both, clicker] = await send(flow, ["a@example.com", "b@example.com", "c@example.com", "d@example.com"], BASE)
      const later = new Date(BASE.getTime() + HOUR)
      await service.recordSendGridEvents([
        sendgrid("delivered", human.id, human.to!, later),
        sendgrid("delivered", proxied.id, proxied.to!, later),
        sendgrid("delivered", both.id, both.to!, later),
        sendgrid("delivered", clicker.id, clicker.to!, later),
        sendgrid("open", human.id, human.to!, later, { sg_machine_open: false }),
        sendgrid("open", proxied.id, proxied.to!, later, { sg_machine_open: true }),
        sendgrid("open", proxied.id, proxied.to!, new Date(later.getTime() + 1000), { sg_machine_open: true }),
        sendgrid("open", both.id, both.to!, later, { sg_machine_open: true }),
        sendgrid("open", both.id, both.to!, later, { sg_machine_open: false }),
        sendgrid("click", clicker.id, clicker.to!, later, { url: "https://shop.test/products/mug?utm_source=flows" }),
        sendgrid("click", clicker.id, clicker.to!, new Date(later.getTime() + 5000), {
          url: "https://shop.test/products/mug?utm_source=x",
        }),
        sendgrid("click", human.id, human.to!, later, { url: "https://shop.test/cart#top" }),
      ] as any)

      // A text whose short link is tapped: a click, not an open.
      const run = (await service.listFlowRuns({ flow_id: flow.id }))[0]
      const [text] = await service.createMessages([
        {
          idempotency_key: `${flow.id}:${run.id}:sms-step`,
          flow_id: flow.id,
          run_id: run.id,
          step_id: "sms-step",
          contact_id: human.contact_id,
          channel: "sms",
          provider: "sandbox",
          to: "+12025550143",
          status: "delivered",
          sent_at: BASE,
        },
      ])
      await service.updateMessages({ id: text.id, created_at: BASE } as any)
      const url = await service.shortRecoveryLink("cart_sms", text.idempotency_key, later)
      expect(await service.openShortLink(url!.split("/").pop()!, true, later)).toEqual({ cart_id: "cart_sms" })

      const report = await service.analytics({ ...period, flow_id: flow.id })
      const mail = report.steps.find((s) => s.step_id === "mail")!
      expect(mail).toMatchObject({ sent: 4, delivered: 4, opened: 3, machine_opened: 2, clicked: 2 })
      expect(mail.links).toEqual(
        expect.arrayContaining([
          { url: "https://shop.test/products/mug", clicked: 1, click_rate: 0.25 },
          { url: "https://shop.test/cart", clicked: 1, click_rate: 0.25 },
        ])
      )
      const sms = report.steps.find((s) => s.step_id === "sms-step")!
      expect(sms).toMatchObject({ sent: 1, delivered: 1, opened: 0, machine_opened: 0, clicked: 1 })
      expect(sms.links).toEqual([{ url: "recovery", clicked: 1, click_rate: 1 }])
      expect(report.totals).toMatchObject({ opened: 3, machine_opened: 2, clicked: 3 })
    })

    it("lists a day once when several transactions write its first rows at the same moment", async () => {
      // Creates the rollup's function and triggers, as the first analytics read or fold does.
      await service.foldRollups(0)
      // Two writers mark the same 1,000 new days, each day in a transaction of its own, side by side.
      const mark = (day: number) =>
        MikroOrmWrapper.forkManager().transactional((em) =>
          em.execute(`SELECT flows_mark_days_dirty(ARRAY['2100-01-01'::timestamp + interval '${day} days'])`)
        )
      const writer = async () => {
        for (let day = 0; day < 1000; day++) {
          await mark(day)
        }
      }
      await Promise.all([writer(), writer()])
      const [{ listed }] = await MikroOrmWrapper.forkManager().execute(
        `SELECT count(*)::int AS listed FROM flows_rollup_dirty_day WHERE day >= '2100-01-01' AND deleted_at IS NULL`
      )
      expect(listed).toBe(1000)
    })

    it("reads whole days from the rollup with the raw figures, also after late events change a built day", async () => {
      const flow = await activeFlow("Rollup")
      const days = [0, 1, 2, 3].map((d) => new Date(BASE.getTime() + d * DAY))
      const messages: Awaited<ReturnType<typeof send>> = []
      for (const [i, day] of days.entries()) {
        messages.push(...(await send(flow, [`d${i}a@example.com`, `d${i}b@example.com`], day)))
      }
      await service.recordSendGridEvents([sendgrid("open", messages[0].id, messages[0].to!, days[0], { sg_machine_open: false })] as any)
      await service.recordEvent(orderEvent("o_roll", messages[2].to!, 40, new Date(days[1].getTime() + HOUR)))
      await service.unsubscribeEmail(messages[5].contact_id!, flow.id, new Date(days[2].getTime() + HOUR))

      const range = { ...period, flow_id: flow.id }
      const raw = await service.analytics(range)
      expect(raw.flows[0]).toMatchObject({ sent: 8, opened: 1, converted: 1, unsubscribed: 1 })

      // Build every changed day; the same figures now come from the rollup.
      while ((await service.foldRollups(31)) > 0) {
        // until no day is left to build
      }
      const plan = planRead(range, [])
      expect(plan.rollup).not.toBeNull()
      expect(await service.analytics(range)).toEqual(raw)

      // A late click and a refund change days already built: they are read raw until built again.
      await service.recordSendGridEvents([
        sendgrid("click", messages[1].id, messages[1].to!, new Date(), { url: "https://shop.test/x" }),
      ] as any)
      await service.adjustAttributedRevenue({
        order_id: "o_roll",
        kind: "refund",
        dedupe_key: "refund:roll",
        amount: 15,
        currency_code: "eur",
        occurred_at: new Date(),
      })
      const afterLate = await service.analytics(range)
      expect(afterLate.flows[0]).toMatchObject({ clicked: 1, opened: 2, revenue: [{ currency_code: "eur", amount: 25 }] })
      expect(await service.foldRollups(31)).toBe(2)
      expect(await service.analytics(range)).toEqual(afterLate)
      expect(afterLate.daily.reduce((sum, d) => sum + d.sent, 0)).toBe(8)
    })
  },
})
