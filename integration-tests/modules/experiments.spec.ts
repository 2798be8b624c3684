import path from "node:path"
import { moduleIntegrationTestRunner } from "@medusajs/test-utils"
import { isHeldOut } from "../../src/engine"
import { AUTO_PROMOTER } from "../../src/jobs/promote-split-winners"
import { runDueSteps } from "../../src/lib/scheduler/run-due-steps"
import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import type { StoreEvent } from "../../src/modules/flows/types"

jest.setTimeout(300_000)

const options = {
  storefrontUrl: "http://storefront.test",
  secret: "test-secret-that-is-at-least-32-characters",
  scheduler: { pollIntervalMs: 1000, batchSize: 200, leaseMs: 60_000 },
  defaults: { attributionWindow: { amount: 5, unit: "days" }, frequencyCap: { max: 10, per: { amount: 1, unit: "days" } } },
}

const HOUR = 3_600_000
const email = (html: string, id: string) => ({ id, type: "send_email", template: { subject: html, html: `<p>${html}</p>` } })

function cartEvent(key: string, at: Date): StoreEvent {
  const address = `${key}@example.com`
  return {
    name: "cart.updated",
    occurred_at: at,
    subject: { type: "cart", id: `cart_${key}` },
    identity: { cart_id: `cart_${key}`, email: address },
    facts: { cart: { id: `cart_${key}`, email: address, item_count: 1 } },
  }
}

function orderEvent(key: string, total: number, at: Date, currency_code = "eur"): StoreEvent {
  const address = `${key}@example.com`
  return {
    name: "order.placed",
    occurred_at: at,
    subject: { type: "order", id: `order_${key}_${at.getTime()}` },
    identity: { order_id: `order_${key}_${at.getTime()}`, email: address },
    facts: { order: { id: `order_${key}_${at.getTime()}`, email: address, total, currency_code } },
  }
}

moduleIntegrationTestRunner<FlowsModuleService>({
  moduleName: FLOWS_MODULE,
  resolve: path.join(__dirname, "../../src/modules/flows"),
  moduleOptions: options,
  // Its own database: other suites on the same server use the runner's default name.
  dbName: `medusa-flows-experiments-${process.pid}`,
  cwd: path.join(__dirname, "../.."),
  testSuite: ({ service }) => {
    // The scheduler with the real module and database; Medusa's Query (carts, orders) knows none of these
    // test carts, which these flows do not need: they have no filters and their templates show no cart.
    const container = {
      resolve: (key: string) =>
        key === FLOWS_MODULE
          ? service
          : key === "query"
            ? { graph: async () => ({ data: [] }) }
            : { error: () => {}, info: () => {}, warn: () => {} },
    } as any

    async function tickUntilIdle(now: Date) {
      for (let i = 0; i < 50; i++) {
        const { claimed, failed } = await runDueSteps(container, now)
        expect(failed).toBe(0)
        if (claimed === 0) {
          return
        }
      }
      throw new Error("runs were still due after 50 ticks")
    }

    async function activeFlow(definition: unknown) {
      const flow = await service.createFlowWithDefinition({ name: "Experiment", definition })
      return await service.setFlowStatus(flow.id, "active")
    }

    it("holds out a share of entrants, sends them nothing, tracks their orders and measures what the flow adds", async () => {
      const t0 = new Date(Date.now() - 10 * 24 * HOUR)
      const flow = await activeFlow({
        trigger: { event: "cart.updated" },
        holdout: { percent: 25 },
        steps: [email("Come back", "reminder")],
      })
      const enter = async (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          await service.recordEvent(cartEvent(`p${i}`, t0))
        }
        await tickUntilIdle(new Date(t0.getTime() + 1000))
      }
      await enter(0, 200)
      const range = { flow_id: flow.id, from: new Date(t0.getTime() - HOUR), to: new Date() }
      const early = await service.flowExperiments(range)
      expect(early.holdout!.enough_data).toBe(false)
      expect(early.holdout!.message).toMatch(/^Not enough data yet: the holdout has \d+ of the 100 entrants needed\.$/)
      expect(early.holdout!.conversion).toBeNull()

      await enter(200, 640)
      const runs = await service.listFlowRuns({ flow_id: flow.id }, { take: 1000 })
      expect(runs).toHaveLength(640)
      // Decided once per run, from its id: the same answer the engine gives now, and about a quarter held out.
      runs.forEach((run) => expect(run.holdout).toBe(isHeldOut(run.id, 25)))
      const held = runs.filter((run) => run.holdout)
      expect(Math.abs(held.length / runs.length - 0.25)).toBeLessThan(0.06)

      // Nobody held out got a message; everyone else got one. Held-out runs still went through the step.
      const messages = await service.listMessages({ flow_id: flow.id }, { take: 1000, select: ["run_id"] })
      const messaged = new Set(messages.map((m) => m.run_id))
      expect(held.some((run) => messaged.has(run.id))).toBe(false)
      expect(messaged.size).toBe(runs.length - held.length)
      held.forEach((run) => {
        expect(run.status).toBe("completed")
        expect((run.context as any).trail).toEqual([expect.objectContaining({ step_id: "reminder", outcome: "held_out" })])
      })

      // Orders two days later: one in three messaged people buys for 60 €, one in ten held-out people for 40 €;
      // and one messaged person pays in dollars, which is never added to euros.
      const keyOf = (run: (typeof runs)[number]) => run.email!.split("@")[0]
      const orderedAt = new Date(t0.getTime() + 2 * 24 * HOUR)
      const treated = runs.filter((run) => !run.holdout)
      const treatedBuyers = treated.filter((_, i) => i % 3 === 0)
      const heldBuyers = held.filter((_, i) => i % 10 === 0)
      for (const run of treatedBuyers) {
        await service.recordEvent(orderEvent(keyOf(run), 60, orderedAt))
      }
      for (const run of heldBuyers) {
        await service.recordEvent(orderEvent(keyOf(run), 40, orderedAt))
      }
      await service.recordEvent(orderEvent(keyOf(treated[1]), 25, orderedAt, "usd"))

      // The held-out buyers' orders are tracked against their runs, and credited to no message.
      const heldOrders = await service.listRunOrders({ run_id: heldBuyers.map((r) => r.id) })
      expect(heldOrders).toHaveLength(heldBuyers.length)
      expect(await service.listConversions({ contact_id: heldBuyers.map((r) => r.contact_id!) })).toHaveLength(0)

      const result = (await service.flowExperiments(range)).holdout!
      expect(result.percent).toBe(25)
      expect(result.enough_data).toBe(true)
      expect(result.message).toBeNull()
      expect(result.holdout).toEqual({
        entrants: held.length,
        converted: heldBuyers.length,
        conversion_rate: heldBuyers.length / held.length,
      })
      expect(result.treated.entrants).toBe(treated.length)
      expect(result.treated.converted).toBe(treatedBuyers.length + 1)
      const difference = (treatedBuyers.length + 1) / treated.length - heldBuyers.length / held.length
      expect(result.conversion!.difference.estimate).toBeCloseTo(difference, 9)
      expect(result.conversion!.difference.low).toBeGreaterThan(0)
      expect(result.conversion!.difference.high).toBeGreaterThan(difference)
      const eur = result.revenue.find((r) => r.currency_code === "eur")!
      expect(eur.treated_per_entrant).toBeCloseTo((60 * treatedBuyers.length) / treated.length, 9)
      expect(eur.holdout_per_entrant).toBeCloseTo((40 * heldBuyers.length) / held.length, 9)
      expect(eur.difference.low).toBeLessThan(eur.difference.estimate)
      const usd = result.revenue.find((r) => r.currency_code === "usd")!
      expect(usd.treated_per_entrant).toBeCloseTo(25 / treated.length, 9)
      expect(usd.holdout_per_entrant).toBe(0)
    })

    it("promotes a winner as a new version: runs past the split stay, runs before it take the winner", async () => {
      const t0 = new Date(Date.now() - 10 * 24 * HOUR)
      const flow = await activeFlow({
        trigger: { event: "cart.updated" },
        auto_promote: { enabled: true, min_recipients: 30, probability: 0.95 },
        steps: [
          { id: "idle", type: "wait", duration: { amount: 1, unit: "hours" } },
          {
            id: "ab",
            type: "split",
            variants: [
              { key: "a", weight: 1, steps: [email("A", "email-a")] },
              { key: "b", weight: 1, steps: [email("B", "email-b")] },
            ],
          },
        ],
      })
      for (let i = 0; i < 100; i++) {
        await service.recordEvent(cartEvent(`ab${i}`, t0))
      }
      await tickUntilIdle(new Date(t0.getTime() + 1000))
      await tickUntilIdle(new Date(t0.getTime() + HOUR + 1000))
      const assignments = await service.listSplitAssignments({ flow_id: flow.id }, { take: 1000 })
      expect(assignments).toHaveLength(100)
      const inB = assignments.filter((a) => a.variant === "b")
      expect(inB.length).toBeGreaterThan(30)
      expect(100 - inB.length).toBeGreaterThan(30)

      // Before anyone orders there is nothing to promote.
      const at = new Date(t0.getTime() + 2 * HOUR)
      expect(await service.promotionsDue(at)).toEqual([])

      // Half of variant b's recipients buy, nobody from a.
      const runs = await service.listFlowRuns({ flow_id: flow.id }, { take: 1000 })
      const runOf = new Map(runs.map((r) => [r.id, r]))
      for (const assignment of inB.filter((_, i) => i % 2 === 0)) {
        await service.recordEvent(orderEvent(runOf.get(assignment.run_id)!.email!.split("@")[0], 30, at))
      }
      // Five people enter now and wait before the split.
      for (let i = 0; i < 5; i++) {
        await service.recordEvent(cartEvent(`late${i}`, at))
      }
      await tickUntilIdle(new Date(at.getTime() + 1000))

      const report = await service.flowExperiments({ flow_id: flow.id, from: new Date(t0.getTime() - HOUR), to: new Date() })
      const [split] = report.splits
      expect(split.variants.map((v) => v.key)).toEqual(["a", "b"])
      expect(split.variants[1]).toMatchObject({ recipients: inB.length, converted: Math.ceil(inB.length / 2) })
      expect(split.variants[1].probability_best).toBeGreaterThan(0.999)
      expect(split.variants[1].revenue).toEqual([expect.objectContaining({ currency_code: "eur", total: 30 * Math.ceil(inB.length / 2) })])
      expect(split.promotion).toMatchObject({ promote: true, variant: "b" })

      const [due] = await service.promotionsDue(at)
      expect(due).toMatchObject({ flow_id: flow.id, split_id: "ab", variant: "b" })
      const before = await service.retrieveFlow(flow.id)
      const promoted = await service.promoteSplitWinner(
        { flow_id: flow.id, split_id: "ab", variant: "b", by: AUTO_PROMOTER, evidence: { probability: due.probability } },
        at
      )
      expect(promoted.version).toMatchObject({ version: before.version + 1, created_by: "auto-promote" })
      expect(promoted.runs_moved_to_winner).toBe(5)
      const [version] = await service.listFlowVersions({ id: promoted.version.id })
      expect(version).toMatchObject({ created_by: "auto-promote", change: { type: "promote_winner", split_id: "ab", variant: "b" } })

      // Runs already past the split stay on the version they entered with; the five waiting ones moved.
      const after = await service.listFlowRuns({ flow_id: flow.id }, { take: 1000 })
      after.filter((r) => r.email!.startsWith("ab")).forEach((r) => expect(r.flow_version_id).toBe(before.current_version_id))
      after.filter((r) => r.email!.startsWith("late")).forEach((r) => expect(r.flow_version_id).toBe(promoted.version.id))

      // The waiting runs all take the winner, and are not counted in the test.
      await tickUntilIdle(new Date(at.getTime() + HOUR + 1000))
      const late = after.filter((r) => r.email!.startsWith("late")).map((r) => r.id)
      const lateMessages = await service.listMessages({ run_id: late })
      expect(lateMessages.map((m) => m.step_id)).toEqual(["email-b", "email-b", "email-b", "email-b", "email-b"])
      expect(await service.listSplitAssignments({ run_id: late })).toHaveLength(0)

      // Done: nothing more to promote, a second promotion is refused, and the report shows who promoted it.
      expect(await service.promotionsDue(at)).toEqual([])
      await expect(service.promoteSplitWinner({ flow_id: flow.id, split_id: "ab", variant: "a", by: "user:usr_1" })).rejects.toThrow(
        'Split "ab" already has a winner: "b"'
      )
      const final = await service.flowExperiments({ flow_id: flow.id, from: new Date(t0.getTime() - HOUR), to: new Date() })
      expect(final.splits[0].winner).toBe("b")
      expect(final.splits[0].variants[1].recipients).toBe(inB.length)
      expect(final.promotions).toEqual([expect.objectContaining({ created_by: "auto-promote", version: promoted.version.version })])
    })

    it("refuses to promote a split or variant the flow does not have", async () => {
      const flow = await activeFlow({ trigger: { event: "cart.updated" }, steps: [email("x", "only")] })
      await expect(service.promoteSplitWinner({ flow_id: flow.id, split_id: "nope", variant: "a", by: "user:usr_1" })).rejects.toThrow(
        'The flow has no split "nope"'
      )
    })
  },
})
