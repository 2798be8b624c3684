import path from "node:path"
import { moduleIntegrationTestRunner } from "@medusajs/test-utils"
import { FLOWS_MODULE } from "../../src/modules/flows"
import { abandonedCart } from "../../src/modules/flows/built-in/abandoned-cart"
import type FlowsModuleService from "../../src/modules/flows/service"
import * as flowSql from "../../src/modules/flows/sql/flows"
import * as runSql from "../../src/modules/flows/sql/runs"
import type { StoreEvent } from "../../src/modules/flows/types"

// Entry reads the person's active run, then decides and writes, in separate statements. The race tests below
// put another event's write between the read and the write, which concurrent events do only now and then;
// every other test reads through the real function.
jest.mock("../../src/modules/flows/sql/runs", () => {
  const actual = jest.requireActual("../../src/modules/flows/sql/runs")
  return { ...actual, activeRunOfContact: jest.fn(actual.activeRunOfContact) }
})
const activeRunOfContact = jest.mocked(runSql.activeRunOfContact)
// Counted, not changed: how often entry reads the active flows.
jest.mock("../../src/modules/flows/sql/flows", () => {
  const actual = jest.requireActual("../../src/modules/flows/sql/flows")
  return {
    ...actual,
    activeFlowsWithTriggers: jest.fn(actual.activeFlowsWithTriggers),
    activeFlowsTriggeredBy: jest.fn(actual.activeFlowsTriggeredBy),
  }
})
const { activeRunOfContact: readActiveRun } = jest.requireActual<typeof runSql>("../../src/modules/flows/sql/runs")

jest.setTimeout(60_000)

const options = {
  storefrontUrl: "http://storefront.test",
  secret: "test-secret-that-is-at-least-32-characters",
  scheduler: { pollIntervalMs: 1000, batchSize: 10, leaseMs: 5_000 },
  // Caps per channel and flow priority have their own suite (smart-sending); here they would hide what is tested.
  // The DST checks reuse one run eight months apart: engagement rules (own suite) would call her unengaged by then.
  defaults: { channelCaps: { email: null, sms: null }, overlapWindow: null, engagement: { unengaged: { send: "all" } } },
}

const T0 = new Date("2026-03-02T15:00:00Z")
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000)
const HOUR = 60

type CartInput = {
  id: string
  email?: string | null
  customer_id?: string | null
  phone?: string | null
  created: Date
  quantity?: number
  address?: { country_code: string; province?: string; city?: string }
}

/** A cart event as the subscriber records it from Medusa's cart.updated. */
function cartEvent(cart: CartInput, occurred = cart.created): StoreEvent {
  const facts = {
    id: cart.id,
    email: cart.email ?? null,
    customer_id: cart.customer_id ?? null,
    created_at: cart.created.toISOString(),
    item_count: cart.quantity ?? 1,
    items: [{ variant_id: "variant_1", quantity: cart.quantity ?? 1 }],
    shipping_address: cart.phone ? { phone: cart.phone } : undefined,
  }
  return {
    name: "cart.updated",
    occurred_at: occurred,
    subject: { type: "cart", id: cart.id },
    identity: { cart_id: cart.id, email: cart.email, customer_id: cart.customer_id, phone: cart.phone, ...cart.address },
    facts: { cart: facts },
  }
}

moduleIntegrationTestRunner<FlowsModuleService>({
  moduleName: FLOWS_MODULE,
  resolve: path.join(__dirname, "../../src/modules/flows"),
  moduleOptions: options,
  cwd: path.join(__dirname, "../.."),
  testSuite: ({ service }) => {
    async function activeAbandonedCart() {
      const flow = await service.createFlowWithDefinition({ name: "Abandoned cart", definition: abandonedCart.definition })
      return await service.setFlowStatus(flow.id, "active")
    }

    /** What the scheduler does on its first look at a fresh run: park it in its first wait. */
    async function parkInFirstWait(now: Date) {
      const [run] = await service.claimDueRuns(now)
      expect(run).toBeDefined()
      await service.parkRun(run, { step_id: "idle-1h", step_entered_at: run.step_entered_at, next_run_at: at(HOUR), trail: [] }, now)
      return run
    }

    const rendered = { rendered: { channel: "email" as const, subject: "Your cart", html: "<p>Your cart</p>" } }

    it("keeps one series per person: a guest cart and a logged-in cart with the same email share it, on the newest cart", async () => {
      const flow = await activeAbandonedCart()
      const guest = await service.recordEvent(cartEvent({ id: "cart_guest", email: "Ann@Example.com", created: T0 }))
      expect(guest.entered).toHaveLength(1)
      const run = await parkInFirstWait(at(0.1))

      // Half a minute later she signs in on her phone: a new cart, her account, the same address.
      const signedIn = await service.recordEvent(
        cartEvent({
          id: "cart_phone",
          email: "ann@example.com",
          customer_id: "cus_ann",
          phone: "+14155550123",
          created: at(0.5),
          quantity: 3,
        })
      )
      expect(signedIn).toMatchObject({ contact_id: guest.contact_id, entered: [], followed: [run.id] })

      const runs = await service.listFlowRuns({ flow_id: flow.id })
      expect(runs).toHaveLength(1)
      // The series follows the newest cart, and keeps its schedule: the reminder is still due an hour after the first cart.
      expect(runs[0]).toMatchObject({
        subject_type: "contact",
        subject_id: guest.contact_id,
        cart_id: "cart_phone",
        customer_id: "cus_ann",
        phone: "+14155550123",
        email: "ann@example.com",
        step_id: "idle-1h",
        status: "active",
      })
      expect(new Date(runs[0].next_run_at!)).toEqual(at(HOUR))

      // A late event about the older cart moves nothing back.
      const stale = await service.recordEvent(cartEvent({ id: "cart_guest", email: "ann@example.com", created: T0, quantity: 2 }, at(0.8)))
      expect(stale).toMatchObject({ entered: [], followed: [], restarted: [] })
      expect((await service.listFlowRuns({ flow_id: flow.id }))[0].cart_id).toBe("cart_phone")
    })

    it("starts one series when two carts of one person arrive at the same moment", async () => {
      const flow = await activeAbandonedCart()
      const results = await Promise.all([
        service.recordEvent(cartEvent({ id: "cart_1", email: "bo@example.com", created: T0 })),
        service.recordEvent(cartEvent({ id: "cart_2", email: "bo@example.com", created: at(0.2) })),
        service.recordEvent(cartEvent({ id: "cart_1", email: "bo@example.com", created: T0 })),
      ])
      expect(results.flatMap((r) => r.entered)).toHaveLength(1)
      const runs = await service.listFlowRuns({ flow_id: flow.id })
      expect(runs).toHaveLength(1)
      // Whichever event came first, the run ends on the newer cart.
      expect(runs[0].cart_id).toBe("cart_2")
    })

    it("reads the active flows once for events recorded as one batch, and the next batch reads them again", async () => {
      const flow = await activeAbandonedCart()
      const reads = [jest.mocked(flowSql.activeFlowsWithTriggers), jest.mocked(flowSql.activeFlowsTriggeredBy)]
      reads.forEach((read) => read.mockClear())
      const batch = {}
      const results = await Promise.all(
        ["amy", "bo", "cy"].map((name, i) =>
          service.recordEvent(cartEvent({ id: `cart_${name}`, email: `${name}@example.com`, created: at(i) }), {}, batch)
        )
      )
      expect(results.map((r) => r.entered.length)).toEqual([1, 1, 1])
      expect(reads.map((read) => read.mock.calls.length)).toEqual([1, 0])

      // Paused since: the batch's read still lists it, but no run starts on it.
      await service.setFlowStatus(flow.id, "paused")
      const sameBatch = await service.recordEvent(cartEvent({ id: "cart_dee", email: "dee@example.com", created: at(5) }), {}, batch)
      expect(sameBatch.entered).toEqual([])
      expect(reads.map((read) => read.mock.calls.length)).toEqual([1, 0])
      // A new batch reads the flows again.
      const later = await service.recordEvent(cartEvent({ id: "cart_eli", email: "eli@example.com", created: at(6) }), {}, {})
      expect(later.entered).toEqual([])
      expect(reads.map((read) => read.mock.calls.length)).toEqual([2, 0])
      expect((await service.listFlowRuns({ flow_id: flow.id })).map((run) => run.cart_id).sort()).toEqual([
        "cart_amy",
        "cart_bo",
        "cart_cy",
      ])
    })

    it("reads the flows again for the batch's next event when a batch's read fails", async () => {
      await activeAbandonedCart()
      jest.mocked(flowSql.activeFlowsWithTriggers).mockRejectedValueOnce(new Error("connection reset"))
      const batch = {}
      const first = cartEvent({ id: "cart_fay", email: "fay@example.com", created: T0 })
      await expect(service.recordEvent(first, {}, batch)).rejects.toThrow("connection reset")
      expect((await service.recordEvent(first, {}, batch)).entered).toHaveLength(1)
    })

    it("does not send a step again after the series moves to a newer cart", async () => {
      const flow = await activeAbandonedCart()
      await service.recordEvent(cartEvent({ id: "cart_a", email: "cy@example.com", created: T0 }))
      await parkInFirstWait(at(0.1))
      // The hour is up: the reminder goes, for cart_a.
      const [due] = await service.claimDueRuns(at(HOUR + 1))
      expect(await service.deliverStepMessage(due, { id: "reminder-email", channel: "email" }, rendered, at(HOUR + 1))).toBe("sent")
      await service.parkRun(
        due,
        { step_id: "wait-24h", step_entered_at: at(HOUR + 1), next_run_at: at(24 * HOUR), trail: [] },
        at(HOUR + 1)
      )

      // Then a new cart: it joins the series, which waits on for its text.
      const later = await service.recordEvent(cartEvent({ id: "cart_b", email: "cy@example.com", created: at(2 * HOUR) }))
      expect(later.followed).toEqual([due.id])
      const [run] = await service.listFlowRuns({ flow_id: flow.id })
      expect(run).toMatchObject({ cart_id: "cart_b", step_id: "wait-24h" })
      expect(new Date(run.next_run_at!)).toEqual(at(24 * HOUR))
      const [again] = await service.claimDueRuns(at(24 * HOUR))
      expect(again.cart_id).toBe("cart_b")
      expect(await service.deliverStepMessage(again, { id: "reminder-email", channel: "email" }, rendered, at(24 * HOUR))).toBe(
        "already_handled"
      )
      expect(await service.listMessages({ flow_id: flow.id })).toHaveLength(1)
    })

    it("ends the series when the person orders with the newest cart, and counts the cooldown per person", async () => {
      const flow = await activeAbandonedCart()
      await service.recordEvent(cartEvent({ id: "cart_old", email: "di@example.com", created: T0 }))
      await service.recordEvent(cartEvent({ id: "cart_new", email: "di@example.com", created: at(1) }))
      const placed = await service.recordEvent({
        name: "order.placed",
        occurred_at: at(30),
        subject: { type: "order", id: "order_1" },
        identity: { order_id: "order_1", cart_id: "cart_new", email: "di@example.com" },
        facts: {},
      })
      expect(placed.exited).toHaveLength(1)

      // Two days on, yet another cart: within the 7-day cooldown of her series, so no second series.
      const soon = await service.recordEvent(cartEvent({ id: "cart_third", email: "di@example.com", created: at(48 * HOUR) }))
      expect(soon.entered).toEqual([])
      // A week and a day on, she may get reminders again.
      const later = await service.recordEvent(cartEvent({ id: "cart_fourth", email: "di@example.com", created: at(8 * 24 * HOUR) }))
      expect(later.entered).toHaveLength(1)
      const runs = await service.listFlowRuns({ flow_id: flow.id }, { order: { created_at: "ASC" } })
      expect(runs.map((r) => [r.cart_id, r.status])).toEqual([
        ["cart_new", "exited"],
        ["cart_fourth", "active"],
      ])
    })

    it("moves a series that started per cart (before the scope) to the person's newer cart", async () => {
      const perCart = {
        ...abandonedCart.definition,
        reentry: { mode: "cooldown" as const, cooldown: { amount: 7, unit: "days" as const } },
      }
      const created = await service.createFlowWithDefinition({ name: "Abandoned cart", definition: perCart })
      const flow = await service.setFlowStatus(created.id, "active")
      await service.recordEvent(cartEvent({ id: "cart_legacy", email: "ed@example.com", created: T0 }))
      await service.editFlow(flow.id, { definition: abandonedCart.definition })
      const next = await service.recordEvent(cartEvent({ id: "cart_next", email: "ed@example.com", created: at(1) }))
      expect(next.entered).toEqual([])
      expect(next.followed).toHaveLength(1)
      const runs = await service.listFlowRuns({ flow_id: flow.id })
      expect(runs.map((r) => [r.subject_type, r.cart_id])).toEqual([["cart", "cart_next"]])
    })

    it("times texts in the zone of the shopper's address, either side of the daylight saving change, unless they gave one", async () => {
      await activeAbandonedCart()
      const phone = "+12125550147"
      const { contact_id } = await service.recordEvent(
        cartEvent({
          id: "cart_ny",
          email: "fay@example.com",
          phone,
          created: T0,
          address: { country_code: "us", province: "NY", city: "Brooklyn" },
        })
      )
      await service.createPhoneConsents({ phone, state: "granted", state_at: T0 })
      const [run] = await service.claimDueRuns(at(1))
      expect(await service.personFacts(run)).toMatchObject({ timezone: "America/New_York" })
      const sms = { rendered: { channel: "sms" as const, text: "Your cart is waiting" } }
      const textAt = async (step: string, now: string) =>
        await service.deliverStepMessage(run, { id: step, channel: "sms" }, sms, new Date(now))

      // Saturday 7 March 2026, 22:00 EST: quiet until Sunday 08:00, which is EDT after the switch (12:00Z).
      expect(await textAt("sms-march", "2026-03-08T03:00:00Z")).toEqual({
        deferred_until: new Date("2026-03-08T12:00:00Z"),
        reason: "quiet_hours",
      })
      // Saturday 31 October 2026, 22:00 EDT: quiet until Sunday 08:00 EST (13:00Z).
      expect(await textAt("sms-november", "2026-11-01T02:00:00Z")).toEqual({
        deferred_until: new Date("2026-11-01T13:00:00Z"),
        reason: "quiet_hours",
      })
      // 12:30Z on that Sunday is 07:30 EST: still quiet, though it would be 08:30 under summer time.
      expect(await textAt("sms-november", "2026-11-01T12:30:00Z")).toEqual({
        deferred_until: new Date("2026-11-01T13:00:00Z"),
        reason: "quiet_hours",
      })
      expect(await textAt("sms-november", "2026-11-01T13:00:00Z")).toBe("sent")

      // She moves to Paris: her newest address sets the zone.
      await service.recordEvent(
        cartEvent({ id: "cart_paris", email: "fay@example.com", created: at(5), address: { country_code: "fr", city: "Paris" } })
      )
      // Saturday 28 March 2026, 22:00 CET: quiet until Sunday 08:00 CEST (06:00Z).
      expect(await textAt("sms-eu", "2026-03-28T21:00:00Z")).toEqual({
        deferred_until: new Date("2026-03-29T06:00:00Z"),
        reason: "quiet_hours",
      })

      // A zone she gave herself (a storefront sign-up) wins over any address.
      await service.updateContacts({ id: contact_id!, timezone: "America/Los_Angeles" })
      expect(await service.personFacts(run)).toMatchObject({ timezone: "America/Los_Angeles" })
    })

    it("falls back to the store's zone when the address does not tell", async () => {
      await activeAbandonedCart()
      await service.recordEvent(cartEvent({ id: "cart_unknown", email: "gus@example.com", created: T0, address: { country_code: "xx" } }))
      const [run] = await service.claimDueRuns(at(1))
      expect(await service.personFacts(run)).toMatchObject({ timezone: "UTC" })
    })

    describe("when another event writes between entry's read and its write", () => {
      // Calls counted from each test's start, and no unused mocked read left over for the next.
      const readThrough = () => {
        activeRunOfContact.mockReset()
        activeRunOfContact.mockImplementation(readActiveRun)
      }
      beforeEach(readThrough)
      afterEach(readThrough)
      const cartOfRun = async (flowId: string) =>
        (await service.listFlowRuns({ flow_id: flowId, status: "active" })).map((run) => run.cart_id)

      it("follows the newer cart when the person's run starts between entry's two reads", async () => {
        const flow = await activeAbandonedCart()
        const first = await service.recordEvent(cartEvent({ id: "cart_1", email: "bo@example.com", created: T0 }))
        // The second cart's event looked for an active run just before the first one's run was written.
        activeRunOfContact.mockResolvedValueOnce(undefined)
        const second = await service.recordEvent(cartEvent({ id: "cart_2", email: "bo@example.com", created: at(0.2) }))
        expect(second).toMatchObject({ entered: [], followed: first.entered })
        // Once for the first cart, and twice for the second: the read that missed the run, and the read again.
        expect(activeRunOfContact).toHaveBeenCalledTimes(3)
        expect(await cartOfRun(flow.id)).toEqual(["cart_2"])
      })

      it("never moves a run back to an older cart on what it read before another event moved it on", async () => {
        const flow = await activeAbandonedCart()
        await service.recordEvent(cartEvent({ id: "cart_1", email: "bo@example.com", created: T0 }))
        // The event about cart_2 reads the run while it is still on cart_1 ...
        activeRunOfContact.mockImplementationOnce(async (...args) => {
          const before = await readActiveRun(...args)
          // ... and before it writes, the event about the newer cart_3 moves the run on.
          await service.recordEvent(cartEvent({ id: "cart_3", email: "bo@example.com", created: at(0.5) }))
          return before
        })
        const stale = await service.recordEvent(cartEvent({ id: "cart_2", email: "bo@example.com", created: at(0.2) }))
        expect(stale.followed).toEqual([])
        expect(await cartOfRun(flow.id)).toEqual(["cart_3"])
      })
    })
  },
})
