import path from "node:path"
import { moduleIntegrationTestRunner } from "@medusajs/test-utils"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import type { MedusaContainer } from "@medusajs/framework/types"
import { runDueSteps } from "../../src/lib/scheduler/run-due-steps"
import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import { renderedEmail } from "../helpers/rendered-send"

jest.setTimeout(120_000)

// The defaults: email at most once in 16 h, a text once in 24 h, flows compete within 2 h. No providers:
// the sandbox outbox, which marks what it keeps delivered. One run per tick, so two ticks at once are two workers with one run each.
const options = {
  storefrontUrl: "http://storefront.test",
  secret: "test-secret-that-is-at-least-32-characters",
  scheduler: { pollIntervalMs: 1000, batchSize: 1, leaseMs: 30_000 },
}

const HOUR = 3_600_000
// Noon in UTC (the contact's zone by default): no quiet hours for texts.
const t0 = new Date("2026-06-01T12:00:00Z")
const at = (hours: number) => new Date(t0.getTime() + hours * HOUR)

const email = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: "send_email",
  template: { subject: id, html: `<p>${id}</p>` },
  ...extra,
})
const text = (id: string) => ({ id, type: "send_sms", template: { body: id } })

moduleIntegrationTestRunner<FlowsModuleService>({
  moduleName: FLOWS_MODULE,
  resolve: path.join(__dirname, "../../src/modules/flows"),
  moduleOptions: options,
  // A database of its own: suites of the same module otherwise share one per jest worker.
  dbName: `medusa-flows-smart-sending-${process.env.JEST_WORKER_ID ?? 1}`,
  cwd: path.join(__dirname, "../.."),
  testSuite: ({ service }) => {
    // The scheduler's own entry point, given what it resolves. These runs have no cart, order or
    // customer, so it never asks Medusa's Query for one.
    const container = {
      resolve(key: string) {
        if (key === FLOWS_MODULE) {
          return service
        }
        if (key === ContainerRegistrationKeys.LOGGER) {
          return { error: (message: string) => console.error(message) }
        }
        if (key === ContainerRegistrationKeys.QUERY) {
          return {
            graph: () => {
              throw new Error("these runs read nothing from the store")
            },
          }
        }
        throw new Error(`${key} is not used by these runs`)
      },
    } as unknown as MedusaContainer

    /** Ticks the scheduler at `now` until no run is due. */
    async function runDue(now: Date) {
      for (let i = 0; i < 20; i++) {
        const { claimed, failed } = await runDueSteps(container, now)
        expect(failed).toBe(0)
        if (!claimed) {
          return
        }
      }
      throw new Error("runs kept coming due")
    }

    async function flow(name: string, priority: number, steps: unknown[]) {
      const created = await service.createFlowWithDefinition({
        name,
        priority,
        definition: { trigger: { event: "newsletter.subscribed" }, steps },
      })
      await service.setFlowStatus(created.id, "active")
      return created.id
    }

    async function subscribe(address: string, phone?: string) {
      await service.recordEvent({
        name: "newsletter.subscribed",
        occurred_at: t0,
        subject: { type: "contact", id: address },
        identity: { email: address, phone: phone ?? null },
        facts: {},
      })
    }

    /**
     * Each write is stamped when it happens: the scheduler's clock starts at the time a test gives it and
     * runs on, so a message goes a few milliseconds after the moment it was due.
     */
    const soonAfter = (start: Date) => ({
      asymmetricMatch: (time: Date) => time >= start && time.getTime() - start.getTime() < 10_000,
      toString: () => `a time within 10 s after ${start.toISOString()}`,
    })

    async function messagesOf(flowId: string) {
      return await service.listMessages({ flow_id: flowId }, { order: { created_at: "ASC" } })
    }

    it("lets the higher-priority flow's email go; the lower ones wait or are skipped as their steps say", async () => {
      const cart = await flow("Cart", 80, [{ id: "idle", type: "wait", duration: { amount: 1, unit: "hours" } }, email("cart")])
      const welcome = await flow("Welcome", 40, [email("welcome", { when_held: "wait" })])
      const promo = await flow("Promo", 30, [email("promo")])
      await subscribe("ann@example.com")

      // Due now, the welcome and the promo meet the cart reminder due within the overlap window.
      await runDue(t0)
      expect(await messagesOf(welcome)).toHaveLength(0)
      expect(await messagesOf(promo)).toMatchObject([{ status: "skipped", error: expect.stringMatching(/^held for a higher-priority/) }])

      await runDue(at(1))
      expect(await messagesOf(cart)).toMatchObject([{ status: "delivered", created_at: soonAfter(at(1)) }])
      // The welcome waits out the overlap window, then the email cap: 16 h after the cart's email.
      await runDue(at(3))
      await runDue(at(17 - 1 / 60))
      expect(await messagesOf(welcome)).toHaveLength(0)
      // 16 h after the cart's email, which went a moment after 1 h.
      await runDue(at(17 + 1 / 60))
      expect(await messagesOf(welcome)).toMatchObject([{ status: "delivered", created_at: soonAfter(at(17 + 1 / 60)) }])
    })

    it("caps each channel on its own: an email and a text within 16 h both go, a second email does not", async () => {
      const phone = "+14155550123"
      await service.createPhoneConsents({ phone, state: "granted", state_at: t0 })
      const series = await flow("Series", 50, [email("first"), text("text"), email("second")])
      await subscribe("bob@example.com", phone)
      await runDue(t0)
      const messages = await messagesOf(series)
      expect(messages.map((m) => [m.step_id, m.channel, m.status, m.error])).toEqual([
        ["first", "email", "delivered", null],
        ["text", "sms", "delivered", null],
        ["second", "email", "skipped", "email cap reached (1 per 16 h)"],
      ])
    })

    it("neither counts nor caps an exempt step", async () => {
      const orders = await flow("Orders", 70, [email("thanks", { exempt: true }), email("tips"), email("receipt", { exempt: true })])
      await subscribe("cy@example.com")
      await runDue(t0)
      const messages = await messagesOf(orders)
      // The thank-you does not use the email cap, so the tips go; the receipt goes past the cap the tips reached.
      expect(messages.map((m) => [m.step_id, m.status, m.exempt])).toEqual([
        ["thanks", "delivered", true],
        ["tips", "delivered", false],
        ["receipt", "delivered", true],
      ])
    })

    it("predicts when a held message really goes, and the scheduler sends it then and not before", async () => {
      await flow("Cart", 80, [{ id: "idle", type: "wait", duration: { amount: 1, unit: "hours" } }, email("cart")])
      const welcome = await flow("Welcome", 40, [email("welcome", { when_held: "wait" })])
      await subscribe("dee@example.com")

      const [run] = await service.listFlowRuns({ flow_id: welcome })
      const prediction = (await service.predictNextSends([run], t0))[run.id]
      // Held for the cart's email at 1 h (overlap window to 3 h), then by the email cap until 17 h.
      expect(prediction).toEqual({
        step_id: "welcome",
        channel: "email",
        due_at: t0,
        at: at(17),
        held_by: ["priority", "frequency_cap"],
      })
      const predicted = "at" in prediction! ? prediction.at : t0
      for (const hours of [0, 1, 3, 16.9]) {
        await runDue(at(hours))
      }
      await runDue(new Date(predicted.getTime() - 1000))
      expect(await messagesOf(welcome)).toHaveLength(0)
      // The cart's email went a moment after 1 h, so the cap lets the welcome go a moment after the prediction.
      const soonAfterPredicted = new Date(predicted.getTime() + 60_000)
      await runDue(soonAfterPredicted)
      expect(await messagesOf(welcome)).toMatchObject([{ status: "delivered", created_at: soonAfter(soonAfterPredicted) }])
      // Sent, the run has no next message to predict.
      const [done] = await service.listFlowRuns({ flow_id: welcome })
      expect(done.status).toBe("completed")
    })

    it("lets one of two flows' emails through when two workers send them at the same instant", async () => {
      // The first flow cannot foresee the second's email (a condition on data comes before it), so both
      // pass the first check: only the re-check under the contact's lock keeps the cap.
      const plain = await flow("Plain", 50, [email("plain")])
      const guarded = await flow("Guarded", 60, [
        { id: "no-cart", type: "condition", if: { all: [{ field: "cart.id", op: "not_exists" }] }, then: [email("guarded")], else: [] },
      ])
      await subscribe("eve@example.com")
      const ticks = await Promise.all([runDueSteps(container, t0), runDueSteps(container, t0)])
      expect(ticks.map((t) => t.claimed)).toEqual([1, 1])
      const messages = [...(await messagesOf(plain)), ...(await messagesOf(guarded))]
      expect(messages.map((m) => m.status).sort()).toEqual(["delivered", "skipped"])
    })

    it("decides the messages of one group in turn: of one person's two emails stored together, the cap lets one go", async () => {
      // As in the test above, neither flow foresees the other's email: only counting the group's own
      // first message keeps the cap.
      const first = await flow("Plain", 50, [email("first")])
      const second = await flow("Guarded", 60, [
        { id: "no-cart", type: "condition", if: { all: [{ field: "cart.id", op: "not_exists" }] }, then: [email("second")], else: [] },
      ])
      await subscribe("fay@example.com")
      // This suite claims one run at a time (batchSize 1).
      const runs = [...(await service.claimDueRuns(t0)), ...(await service.claimDueRuns(t0))]
      expect(runs.map((run) => run.flow_id).sort()).toEqual([first, second].sort())
      const sends = runs.map((run) => renderedEmail(run, run.flow_id === first ? "first" : "second", t0))
      const claimed = await service.claimSends(sends)
      expect(claimed.map((c) => typeof c === "object" && "status" in c && c.status).sort()).toEqual(["sending", "skipped"])
      const stored = [...(await messagesOf(first)), ...(await messagesOf(second))]
      expect(stored.map((m) => [m.status, m.error?.replace(/ \(.*/, "") ?? null]).sort()).toEqual([
        ["sending", null],
        ["skipped", "email cap reached"],
      ])

      // The same group again, as a redelivered job would store it: the keys hold, nothing new is written.
      const again = await service.claimSends(sends.map((send) => ({ ...send, now: at(1) })))
      expect(again).toEqual([expect.objectContaining({ created: false }), expect.objectContaining({ created: false })])
      expect([...(await messagesOf(first)), ...(await messagesOf(second))]).toHaveLength(2)

      // A worker that no longer holds the runs stores nothing.
      const stale = sends.map((send) => ({ ...send, run: { ...send.run, claim_token: "someone-else" } }))
      expect(await service.claimSends(stale)).toEqual(["lost_claim", "lost_claim"])
    })
  },
})
