import path from "node:path"
import { moduleIntegrationTestRunner } from "@medusajs/test-utils"
import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import type { StoreEvent } from "../../src/modules/flows/types"

jest.setTimeout(60_000)

const options = {
  storefrontUrl: "http://storefront.test",
  secret: "test-secret-that-is-at-least-32-characters",
  scheduler: { pollIntervalMs: 1000, batchSize: 10, leaseMs: 5_000 },
  // The cross-flow maximum alone: per-channel caps and flow priority have their own suite (smart-sending).
  defaults: { channelCaps: { email: null, sms: null }, overlapWindow: null },
}

const definition = {
  trigger: { event: "cart.updated", filters: { all: [{ field: "cart.item_count", op: "gt", value: 0 }] } },
  exit: { events: [{ event: "order.placed" }] },
  steps: [
    { id: "wait", type: "wait", duration: { amount: 1, unit: "hours" } },
    { id: "email", type: "send_email", template: { subject: "Hi", html: "<p>Hi</p>" } },
  ],
}

function cartEvent(cartId: string, email = "ann@example.com", at = new Date()): StoreEvent {
  return {
    name: "cart.updated",
    occurred_at: at,
    subject: { type: "cart", id: cartId },
    identity: { cart_id: cartId, email, customer_id: "cus_1" },
    facts: { cart: { id: cartId, email, item_count: 1 } },
  }
}

moduleIntegrationTestRunner<FlowsModuleService>({
  moduleName: FLOWS_MODULE,
  resolve: path.join(__dirname, "../../src/modules/flows"),
  moduleOptions: options,
  cwd: path.join(__dirname, "../.."),
  testSuite: ({ service }) => {
    async function activeFlow(def: unknown = definition) {
      const flow = await service.createFlowWithDefinition({ name: "Abandoned cart", definition: def })
      return await service.setFlowStatus(flow.id, "active")
    }

    it("enters one run per subject however often the event is delivered", async () => {
      const flow = await activeFlow()
      const results = await Promise.all([1, 2, 3, 4].map(() => service.recordEvent(cartEvent("cart_1"))))
      expect(results.flatMap((r) => r.entered)).toHaveLength(1)
      const runs = await service.listFlowRuns({ flow_id: flow.id })
      expect(runs).toHaveLength(1)
      expect(runs[0]).toMatchObject({ status: "active", subject_id: "cart_1", email: "ann@example.com" })
    })

    it("does not enter a draft flow, or a subject the filters reject", async () => {
      await service.createFlowWithDefinition({ name: "Draft", definition })
      await activeFlow()
      const empty = cartEvent("cart_empty")
      empty.facts = { cart: { id: "cart_empty", item_count: 0 } }
      expect((await service.recordEvent(empty)).entered).toHaveLength(0)
      expect((await service.recordEvent(cartEvent("cart_2"))).entered).toHaveLength(1)
    })

    it("ends the runs of a cart and of its customer when an order is placed", async () => {
      const flow = await activeFlow()
      await service.recordEvent(cartEvent("cart_a", "ann@example.com"))
      await service.recordEvent(cartEvent("cart_b", "ANN@example.com "))
      await service.recordEvent(cartEvent("cart_c", "bob@example.com"))
      const placed = await service.recordEvent({
        name: "order.placed",
        occurred_at: new Date(),
        subject: { type: "order", id: "order_1" },
        identity: { order_id: "order_1", cart_id: "cart_a", email: "ann@example.com" },
        facts: {},
      })
      expect(placed.exited).toHaveLength(2)
      const runs = await service.listFlowRuns({ flow_id: flow.id }, { order: { subject_id: "ASC" } })
      expect(runs.map((r) => [r.subject_id, r.status, r.exit_reason])).toEqual([
        ["cart_a", "exited", "event:order.placed"],
        ["cart_b", "exited", "event:order.placed"],
        ["cart_c", "active", null],
      ])
    })

    it("lets concurrent workers claim each due run exactly once", async () => {
      await activeFlow()
      for (let i = 0; i < 25; i++) {
        await service.recordEvent(cartEvent(`cart_${i}`, `p${i}@example.com`))
      }
      const claims = await Promise.all([1, 2, 3, 4].map(() => service.claimDueRuns(new Date(Date.now() + 1000))))
      const ids = claims.flat().map((r) => r.id)
      expect(ids).toHaveLength(25)
      expect(new Set(ids).size).toBe(25)
      // Claimed runs stay reserved until their lease ends.
      expect(await service.claimDueRuns(new Date(Date.now() + 2000))).toHaveLength(0)
      expect(await service.claimDueRuns(new Date(Date.now() + 10_000))).toHaveLength(10)
    })

    it("tells a poll whether a store event or a run waits to be claimed", async () => {
      await activeFlow()
      const soon = () => new Date(Date.now() + 1000)
      expect(await service.anythingDue(soon())).toBe(false)

      await service.enqueueStoreEvent({ name: "cart.updated", data: { id: "cart_poll" }, subject_key: "cart:cart_poll" })
      expect(await service.anythingDue(soon())).toBe(true)
      expect(await service.claimStoreEvents(10, 60_000, soon())).toHaveLength(1)
      expect(await service.anythingDue(soon())).toBe(false)

      await service.recordEvent(cartEvent("cart_poll", "poll@example.com"))
      expect(await service.anythingDue(soon())).toBe(true)
      expect(await service.claimDueRuns(soon())).toHaveLength(1)
      expect(await service.anythingDue(soon())).toBe(false)
      // Claimed, the run and the event wait for their leases to end; then they are due again.
      expect(await service.anythingDue(new Date(Date.now() + 120_000))).toBe(true)
    })

    it("renews the leases of the runs a worker still holds, and only those", async () => {
      await activeFlow()
      for (let i = 0; i < 3; i++) {
        await service.recordEvent(cartEvent(`cart_lease_${i}`, `lease${i}@example.com`))
      }
      const start = new Date(Date.now() + 1000)
      const held = await service.claimDueRuns(start, 2)
      const [elsewhere] = await service.claimDueRuns(start, 1)
      const at = (ms: number) => new Date(start.getTime() + ms)

      // Three seconds into the five-second lease, the worker renews: its runs are held until 8 s.
      expect(await service.renewClaims(held, at(3000))).toBe(2)
      // At 6 s the first lease is over: only the run whose lease was not renewed is taken again.
      expect((await service.claimDueRuns(at(6000))).map((run) => run.id)).toEqual([elsewhere.id])
      // Taken over, it is no longer held under its first claim: renewing that claim does nothing.
      expect(await service.renewClaims([elsewhere], at(6200))).toBe(0)

      // A run parked holds no token any more: the next renewal extends the other one alone.
      const park = { step_id: "wait", step_entered_at: at(6500), next_run_at: at(3_600_000), trail: [] }
      expect(await service.parkRun(held[0], park, at(6500))).toBe(true)
      expect(await service.renewClaims(held, at(7000))).toBe(1)
      const runs = await service.listFlowRuns({ id: held.map((run) => run.id) }, { order: { id: "ASC" } })
      const byId = new Map(runs.map((run) => [run.id, run]))
      expect(byId.get(held[0].id)).toMatchObject({ claim_token: null, claimed_until: null })
      expect(new Date(byId.get(held[1].id)!.claimed_until!).getTime()).toBe(at(12_000).getTime())
    })

    it("sends a step once even when a second worker takes over an expired lease", async () => {
      await activeFlow()
      await service.recordEvent(cartEvent("cart_x"))
      const [first] = await service.claimDueRuns(new Date(Date.now() + 1000))
      const [second] = await service.claimDueRuns(new Date(Date.now() + 10_000))
      expect(second.id).toBe(first.id)

      const step = { id: "email", channel: "email" as const }
      const rendered = { rendered: { channel: "email" as const, subject: "Hi", html: "<p>Hi</p>", text: "Hi" } }
      const outcomes = await Promise.all([
        service.deliverStepMessage(first, step, rendered),
        service.deliverStepMessage(second, step, rendered),
      ])
      expect(outcomes).toEqual(["lost_claim", "sent"])
      expect(await service.deliverStepMessage(second, step, rendered)).toBe("already_handled")
      const messages = await service.listMessages({ run_id: first.id })
      expect(messages).toHaveLength(1)
      expect(messages[0]).toMatchObject({ status: "delivered", provider: "sandbox", to: "ann@example.com" })
    })

    it("waits for a send another worker may still be making, and never sends it again", async () => {
      await activeFlow()
      await service.recordEvent(cartEvent("cart_slow"))
      const [run] = await service.claimDueRuns(new Date(Date.now() + 1000))
      const step = { id: "email", channel: "email" as const }
      const rendered = { rendered: { channel: "email" as const, subject: "Hi", html: "<p>Hi</p>", text: "Hi" } }
      expect(await service.deliverStepMessage(run, step, rendered)).toBe("sent")
      // As a worker leaves it while it waits for the provider's answer.
      const [message] = await service.listMessages({ run_id: run.id })
      await service.updateMessages({ id: message.id, status: "sending" })
      const sendingSince = new Date((await service.retrieveMessage(message.id)).updated_at)

      // Within the longest a provider call can take (4 × delivery.timeoutMs), the answer may still come.
      const longest = 4 * 15_000
      expect(await service.deliverStepMessage(run, step, rendered, new Date(sendingSince.getTime() + 1000))).toEqual({
        deferred_until: new Date(sendingSince.getTime() + longest),
        reason: "in_flight",
      })
      expect((await service.retrieveMessage(message.id)).status).toBe("sending")

      // After it, the call was interrupted: the message may have gone out, so it is uncertain, not sent again.
      expect(await service.deliverStepMessage(run, step, rendered, new Date(sendingSince.getTime() + longest))).toBe("uncertain")
      const after = await service.listMessages({ run_id: run.id })
      expect(after).toHaveLength(1)
      expect(after[0]).toMatchObject({ status: "uncertain", error: expect.stringContaining("interrupted") })
      expect(await service.deliverStepMessage(run, step, rendered, new Date(sendingSince.getTime() + 2 * longest))).toBe("already_handled")
    })

    it("skips email to an unsubscribed contact and SMS without consent", async () => {
      await activeFlow()
      const event = cartEvent("cart_u", "gone@example.com")
      event.identity.phone = "+14155550100"
      const { contact_id } = await service.recordEvent(event)
      await service.updateContacts({ id: contact_id!, email_consent: "unsubscribed" })
      const [run] = await service.claimDueRuns(new Date(Date.now() + 1000))
      const outcome = await service.deliverStepMessage(
        run,
        { id: "email", channel: "email" },
        {
          rendered: { channel: "email", subject: "Hi", html: "<p>Hi</p>" },
        }
      )
      expect(outcome).toBe("skipped")
      const sms = await service.deliverStepMessage(
        run,
        { id: "sms", channel: "sms" },
        {
          rendered: { channel: "sms", text: "Hi" },
        }
      )
      expect(sms).toBe("skipped")
      const messages = await service.listMessages({ run_id: run.id }, { order: { step_id: "ASC" } })
      expect(messages.map((m) => [m.step_id, m.status, m.error, m.to])).toEqual([
        ["email", "skipped", "unsubscribed from email", "gone@example.com"],
        ["sms", "skipped", "no SMS consent for this number", "+14155550100"],
      ])
      // Asked for on a form but not confirmed by a YES yet (SMS double opt-in): still no text.
      await service.createPhoneConsents({ phone: "+14155550100", state: "pending", state_at: new Date() })
      const pending = await service.deliverStepMessage(
        run,
        { id: "sms-2", channel: "sms" },
        {
          rendered: { channel: "sms", text: "Hi" },
        }
      )
      expect(pending).toBe("skipped")
      const [unconfirmed] = await service.listMessages({ run_id: run.id, step_id: "sms-2" })
      expect(unconfirmed.error).toBe("SMS consent not confirmed yet")
    })

    it("skips a flow the contact stopped from the preference page, and only that flow", async () => {
      const stopped = await activeFlow()
      const other = await activeFlow()
      await service.recordEvent(cartEvent("cart_pref", "choosy@example.com"))
      const runs = await service.claimDueRuns(new Date(Date.now() + 1000))
      await service.unsubscribeEmail(runs[0].contact_id!, stopped.id)
      const rendered = { rendered: { channel: "email" as const, subject: "Hi", html: "<p>Hi</p>" } }
      const outcomes = await Promise.all(runs.map((run) => service.deliverStepMessage(run, { id: "email", channel: "email" }, rendered)))
      const byFlow = Object.fromEntries(runs.map((run, i) => [run.flow_id, outcomes[i]]))
      expect(byFlow).toEqual({ [stopped.id]: "skipped", [other.id]: "sent" })
      const [skipped] = await service.listMessages({ flow_id: stopped.id })
      expect(skipped.error).toBe("unsubscribed from this flow")
    })

    it("holds texts during the recipient's quiet hours and sends them after", async () => {
      await activeFlow()
      const event = cartEvent("cart_q", "night@example.com")
      event.identity.phone = "+14155550100"
      const { contact_id } = await service.recordEvent(event)
      await service.updateContacts({ id: contact_id!, timezone: "America/New_York" })
      await service.createPhoneConsents({ phone: "+14155550100", state: "granted", state_at: new Date() })
      const [run] = await service.claimDueRuns(new Date(Date.now() + 1000))
      const sms = { rendered: { channel: "sms" as const, text: "Hi" } }
      // 03:00Z is 22:00 in New York: quiet (21:00-08:00 by default) until 08:00 local, 13:00Z.
      const night = new Date("2026-03-02T03:00:00Z")
      expect(await service.deliverStepMessage(run, { id: "sms", channel: "sms" }, sms, night)).toEqual({
        deferred_until: new Date("2026-03-02T13:00:00Z"),
        reason: "quiet_hours",
      })
      expect(await service.listMessages({ run_id: run.id })).toHaveLength(0)
      const morning = new Date("2026-03-02T13:30:00Z")
      expect(await service.deliverStepMessage(run, { id: "sms", channel: "sms" }, sms, morning)).toBe("sent")
    })

    it("leads a text's short link to its cart, and counts a person's tap as that text's click, once", async () => {
      const flow = await activeFlow()
      const event = cartEvent("cart_s", "tap@example.com")
      event.identity.phone = "+14155550100"
      const { contact_id } = await service.recordEvent(event)
      await service.createPhoneConsents({ phone: "+14155550100", state: "granted", state_at: new Date() })
      const [run] = await service.claimDueRuns(new Date(Date.now() + 1000))
      const noon = new Date("2026-03-02T17:00:00Z")
      const link = await service.shortRecoveryLink("cart_s", `${flow.id}:${run.id}:sms`, noon)
      // Rendering the step again (a retry, quiet hours) gives the same link.
      expect(await service.shortRecoveryLink("cart_s", `${flow.id}:${run.id}:sms`, noon)).toBe(link)
      expect(link).toMatch(/^http:\/\/localhost:9000\/flows\/r\/[\w-]{12}$/)
      const code = link!.split("/").pop()!
      expect(
        await service.deliverStepMessage(run, { id: "sms", channel: "sms" }, { rendered: { channel: "sms", text: `Back: ${link}` } }, noon)
      ).toBe("sent")
      const [text] = await service.listMessages({ run_id: run.id })

      // A link-preview fetch leads to the cart but is not a click.
      expect(await service.openShortLink(code, false, noon)).toEqual({ cart_id: "cart_s" })
      expect((await service.retrieveMessage(text.id)).status).toBe("delivered")
      const tap = new Date(noon.getTime() + 60_000)
      expect(await service.openShortLink(code, true, tap)).toEqual({ cart_id: "cart_s" })
      expect(await service.openShortLink(code, true, new Date(tap.getTime() + 60_000))).toEqual({ cart_id: "cart_s" })
      expect((await service.retrieveMessage(text.id)).status).toBe("clicked")
      const clicks = await service.listContactEvents({ contact_id: contact_id!, type: "sms.clicked" })
      expect(clicks).toHaveLength(1)
      expect(clicks[0]).toMatchObject({ message_id: text.id, run_id: run.id })
      // The order that follows is credited to the tap.
      await service.recordEvent({
        name: "order.placed",
        occurred_at: new Date(tap.getTime() + 600_000),
        subject: { type: "order", id: "order_s" },
        identity: { order_id: "order_s", cart_id: "cart_s", email: "tap@example.com" },
        facts: { order: { id: "order_s", email: "tap@example.com", total: 20, currency_code: "usd" } },
      })
      expect(await service.listConversions({ order_id: "order_s" })).toEqual([
        expect.objectContaining({ message_id: text.id, channel: "sms", touch: "click" }),
      ])

      expect(await service.openShortLink("nosuchcode", true, tap)).toEqual({ invalid: "unknown" })
      expect(await service.openShortLink(code, true, new Date(noon.getTime() + 31 * 86_400_000))).toEqual({ invalid: "expired" })
    })

    it("never lets a short link lead to another cart, even if two codes collide", async () => {
      const link = await service.shortRecoveryLink("cart_mine", null)
      const code = link!.split("/").pop()!
      // As if another cart's link had been given the same code.
      await service.softDeleteShortLinks({ code })
      await service.createShortLinks({ code, cart_id: "cart_other", expires_at: new Date(Date.now() + 86_400_000) })
      expect(await service.shortRecoveryLink("cart_mine", null)).toBeNull()
      expect(await service.openShortLink(code, true)).toEqual({ cart_id: "cart_other" })
    })

    it("skips a message once a contact got the most the frequency cap allows, across flows", async () => {
      await activeFlow()
      await activeFlow()
      for (const cart of ["cart_f1", "cart_f2"]) {
        await service.recordEvent(cartEvent(cart, "busy@example.com"))
      }
      const runs = await service.claimDueRuns(new Date(Date.now() + 1000))
      expect(runs).toHaveLength(4)
      const rendered = { rendered: { channel: "email" as const, subject: "Hi", html: "<p>Hi</p>" } }
      const outcomes = await Promise.all(runs.map((run) => service.deliverStepMessage(run, { id: "email", channel: "email" }, rendered)))
      expect(outcomes.filter((o) => o === "sent")).toHaveLength(3)
      expect(outcomes.filter((o) => o === "skipped")).toHaveLength(1)
      const skipped = await service.listMessages({ status: "skipped" })
      expect(skipped).toMatchObject([{ error: expect.stringMatching(/^frequency cap reached/), to: "busy@example.com" }])
    })

    it("restarts the idle wait when the cart really changes, not when it is only touched", async () => {
      await activeFlow({ ...definition, trigger: { ...definition.trigger, restart_wait_on_activity: true } })
      const withItems = (quantity: number, at: Date) => {
        const event = cartEvent("cart_idle", "idle@example.com", at)
        event.facts = {
          cart: { id: "cart_idle", email: "idle@example.com", item_count: quantity, items: [{ variant_id: "v1", quantity }] },
        }
        return event
      }
      const t0 = new Date(Date.now() - 30 * 60_000)
      const {
        entered: [runId],
      } = await service.recordEvent(withItems(1, t0))
      const [claimed] = await service.claimDueRuns(new Date())
      await service.parkRun(claimed, { step_id: "wait", step_entered_at: t0, next_run_at: new Date(t0.getTime() + 3_600_000), trail: [] })

      const touched = await service.recordEvent(withItems(1, new Date()))
      expect(touched).toMatchObject({ entered: [], restarted: [] })
      expect((await service.retrieveFlowRun(runId)).step_entered_at).toEqual(t0)

      const changedAt = new Date()
      const changed = await service.recordEvent(withItems(2, changedAt))
      expect(changed.restarted).toEqual([runId])
      const run = await service.retrieveFlowRun(runId)
      expect(run).toMatchObject({ step_id: "wait", step_entered_at: changedAt, next_run_at: changedAt })
    })

    it("seeds the built-in flows once, as drafts, and never brings back a deleted one", async () => {
      await Promise.all([service.seedBuiltInFlows(), service.seedBuiltInFlows()])
      const seeded = await service.listFlows({ handle: ["abandoned-cart", "welcome-series", "post-purchase", "review-request"] })
      expect(seeded.map((f) => [f.handle, f.status]).sort()).toEqual([
        ["abandoned-cart", "draft"],
        ["post-purchase", "draft"],
        ["review-request", "draft"],
        ["welcome-series", "draft"],
      ])
      expect(await service.seedBuiltInFlows()).toEqual([])
      await service.removeFlow(seeded.find((f) => f.handle === "welcome-series")!.id)
      expect(await service.seedBuiltInFlows()).toEqual([])
      expect(await service.listFlows({ handle: "welcome-series" })).toHaveLength(0)
    })

    it("pins runs to their version when a live flow is edited", async () => {
      const flow = await activeFlow()
      await service.recordEvent(cartEvent("cart_v1"))
      const edited = {
        ...definition,
        steps: [{ id: "email-now", type: "send_email", template: { subject: "New", html: "<p>New</p>" } }],
      }
      const result = await service.editFlow(flow.id, { definition: edited })
      expect(result).toMatchObject({ new_version: true, runs_on_previous_versions: 1 })
      expect(result.flow.version).toBe(2)
      await service.recordEvent(cartEvent("cart_v2"))
      const runs = await service.listFlowRuns({ flow_id: flow.id }, { order: { subject_id: "ASC" } })
      const versions = await service.listFlowVersions({ flow_id: flow.id }, { order: { version: "ASC" } })
      expect(runs.map((r) => r.flow_version_id)).toEqual([versions[0].id, versions[1].id])
      expect((versions[0].definition as any).steps[0].id).toBe("wait")

      const unchanged = await service.editFlow(flow.id, { name: "Renamed", definition: edited })
      expect(unchanged).toMatchObject({ new_version: false })
      expect(unchanged.flow).toMatchObject({ name: "Renamed", version: 2 })
    })

    it("refuses a template with a syntax error, naming the step, line and column", async () => {
      const broken = {
        ...definition,
        steps: [{ id: "email", type: "send_email", template: { subject: "Hi", html: "<p>\n{% if x %}\nno end" } }],
      }
      await expect(service.createFlowWithDefinition({ name: "Broken", definition: broken })).rejects.toThrow(
        /steps\.email\.html: line 2, column 1/
      )
    })
  },
})
