import path from "node:path"
import { moduleIntegrationTestRunner } from "@medusajs/test-utils"
import { decide, parseFlowDefinition } from "../../src/engine"
import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import type { RunRow, StoreEvent } from "../../src/modules/flows/types"

jest.setTimeout(60_000)

const HOUR = 3_600_000
const DAY = 24 * HOUR

// Two flow messages without engagement make a contact unengaged; only marked flows reach them then.
const options = {
  storefrontUrl: "http://storefront.test",
  secret: "test-secret-that-is-at-least-32-characters",
  smsDoubleOptIn: false,
  scheduler: { pollIntervalMs: 1000, batchSize: 10, leaseMs: 5_000 },
  // Caps per channel and flow priority have their own suite (smart-sending); here they would hide what is tested.
  defaults: {
    frequencyCap: { max: 50, per: { amount: 1, unit: "days" } },
    channelCaps: { email: null, sms: null },
    overlapWindow: null,
    engagement: {
      lapsingAfter: { amount: 30, unit: "days" },
      unengagedAfter: { period: { amount: 90, unit: "days" }, messages: 2 },
      unengaged: { send: "marked_flows" },
    },
  },
}

const email = (id: string) => ({ id, type: "send_email", template: { subject: id, html: `<p>${id}</p>` } })

function signupEvent(who: string, at: Date, phone?: string): StoreEvent {
  const customer = { email: who, first_name: "Pat", phone }
  return {
    name: "customer.created",
    occurred_at: at,
    subject: { type: "customer", id: `cus_${who}` },
    identity: { customer_id: `cus_${who}`, email: who, phone },
    facts: { customer },
  }
}

moduleIntegrationTestRunner<FlowsModuleService>({
  moduleName: FLOWS_MODULE,
  resolve: path.join(__dirname, "../../src/modules/flows"),
  moduleOptions: options,
  cwd: path.join(__dirname, "../.."),
  // Its own database: other suites of this module run at the same time on the same server.
  dbName: "medusa-flows-engagement-integration",
  testSuite: ({ service }) => {
    async function activeFlow(name: string, definition: Record<string, unknown>) {
      const flow = await service.createFlowWithDefinition({ name, definition: { trigger: { event: "customer.created" }, ...definition } })
      return await service.setFlowStatus(flow.id, "active")
    }

    async function runOf(flowId: string, contactId: string): Promise<RunRow> {
      const [run] = await service.listFlowRuns({ flow_id: flowId, contact_id: contactId })
      return { ...(run as unknown as RunRow), created_at: new Date(run.created_at) }
    }

    /** The contact's run of the flow, claimed as the scheduler would (a send needs the claim). */
    async function claimedRuns(contactId: string, at: Date): Promise<Map<string, RunRow>> {
      const runs = await service.claimDueRuns(at)
      return new Map(runs.filter((r) => r.contact_id === contactId).map((r) => [r.flow_id, r]))
    }

    const sendEmail = (run: RunRow, stepId: string, at: Date) =>
      service.deliverStepMessage(
        run,
        { id: stepId, channel: "email" },
        { rendered: { channel: "email", subject: stepId, html: `<p>${stepId}</p>` } },
        at
      )

    async function openEvent(messageId: string, who: string, at: Date, machine: boolean) {
      await service.recordSendGridEvents(
        [
          {
            event: "open",
            sg_event_id: `open-${messageId}-${machine}`,
            email: who,
            timestamp: Math.floor(at.getTime() / 1000),
            sg_machine_open: machine,
            flows_message_id: messageId,
          },
        ] as any,
        at
      )
    }

    it("does not count machine opens: a contact who only machine-opens is unengaged and misses unmarked flows", async () => {
      const start = new Date("2026-03-02T10:00:00Z")
      const news = await activeFlow("News", { steps: [email("n1"), email("n2"), email("n3"), email("n4")] })
      const winBack = await activeFlow("Come back", { send_to_unengaged: true, steps: [email("w1")] })
      const who = "proxy@example.com"
      const { contact_id } = await service.recordEvent(signupEvent(who, start))
      const claimed = await claimedRuns(contact_id!, new Date(start.getTime() + 1000))
      const [run, winBackRun] = [claimed.get(news.id)!, claimed.get(winBack.id)!]

      expect((await service.engagementOf([contact_id!], start)).get(contact_id!)?.level).toBe("new")
      expect(await sendEmail(run, "n1", new Date(start.getTime() + HOUR))).toBe("sent")
      expect(await sendEmail(run, "n2", new Date(start.getTime() + DAY))).toBe("sent")
      // Apple Mail Privacy Protection fetches both pixels: machine opens, not engagement.
      for (const message of await service.listMessages({ contact_id: contact_id! })) {
        await openEvent(message.id, who, new Date(start.getTime() + DAY + HOUR), true)
      }
      const at = new Date(start.getTime() + 2 * DAY)
      const engagement = (await service.engagementOf([contact_id!], at)).get(contact_id!)!
      expect(engagement.level).toBe("unengaged")
      expect(engagement.counts).toMatchObject({ last_engaged_at: null, messages_since: 2, by_channel: { email: 0, sms: 0 } })

      expect(await sendEmail(run, "n3", at)).toBe("skipped")
      const [skipped] = await service.listMessages({ contact_id: contact_id!, step_id: "n3" })
      expect(skipped.error).toBe("contact is unengaged and this flow is not marked send_to_unengaged")
      // A flow marked for unengaged contacts still reaches them.
      expect(await sendEmail(winBackRun, "w1", at)).toBe("sent")

      // A human open of the last message makes them engaged again, and the next message goes.
      const [w1] = await service.listMessages({ contact_id: contact_id!, step_id: "w1" })
      await openEvent(w1.id, who, new Date(at.getTime() + HOUR), false)
      const later = new Date(at.getTime() + 2 * HOUR)
      expect((await service.engagementOf([contact_id!], later)).get(contact_id!)?.level).toBe("engaged")
      expect(await sendEmail(run, "n4", later)).toBe("sent")
    })

    it("counts a click, an order or cart activity as engagement, and lapses without it", async () => {
      const start = new Date("2026-04-01T10:00:00Z")
      const flow = await activeFlow("Tips", { steps: [email("t1")] })
      const { contact_id: clicker } = await service.recordEvent(signupEvent("clicker@example.com", start))
      const { contact_id: shopper } = await service.recordEvent(signupEvent("shopper@example.com", start))
      const run = (await claimedRuns(clicker!, new Date(start.getTime() + 1000))).get(flow.id)!
      await sendEmail(run, "t1", new Date(start.getTime() + HOUR))
      const [t1] = await service.listMessages({ contact_id: clicker!, step_id: "t1" })
      await service.recordSendGridEvents(
        [
          {
            event: "click",
            sg_event_id: "click-t1",
            email: "clicker@example.com",
            url: "https://shop.test",
            timestamp: Math.floor(start.getTime() / 1000) + 7200,
            flows_message_id: t1.id,
          },
        ] as any,
        start
      )
      await service.recordEvent({
        name: "cart.updated",
        occurred_at: new Date(start.getTime() + 3 * HOUR),
        subject: { type: "cart", id: "cart_shopper" },
        identity: { cart_id: "cart_shopper", email: "shopper@example.com" },
        facts: { cart: { id: "cart_shopper", item_count: 1 } },
      })
      const { contact_id: buyer } = await service.recordEvent({
        name: "order.placed",
        occurred_at: new Date(start.getTime() + 2 * HOUR),
        subject: { type: "order", id: "order_buyer" },
        identity: { order_id: "order_buyer", email: "buyer@example.com" },
        facts: { order: { id: "order_buyer", email: "buyer@example.com", total: 10, currency_code: "eur" } },
      })
      // One statement for all three: the levels a list of customers would show.
      const levels = async (at: Date) => {
        const found = await service.engagementOf([clicker!, shopper!, buyer!], at)
        return [found.get(clicker!)?.level, found.get(shopper!)?.level, found.get(buyer!)?.level]
      }
      expect(await levels(new Date(start.getTime() + DAY))).toEqual(["engaged", "engaged", "engaged"])
      expect(await levels(new Date(start.getTime() + 40 * DAY))).toEqual(["lapsing", "lapsing", "lapsing"])
      expect(await levels(new Date(start.getTime() + 91 * DAY))).toEqual(["unengaged", "unengaged", "unengaged"])
    })

    it("gives conditions the engagement level", async () => {
      const start = new Date("2026-05-04T10:00:00Z")
      const definition = parseFlowDefinition({
        trigger: { event: "customer.created" },
        steps: [
          {
            id: "check",
            type: "condition",
            if: { all: [{ field: "engagement.level", op: "in", value: ["engaged", "new"] }] },
            then: [email("promo")],
            else: [{ id: "stop", type: "exit" }],
          },
        ],
      })
      const flow = await activeFlow("Level check", definition)
      const { contact_id } = await service.recordEvent(signupEvent("cond@example.com", start))
      const run = await runOf(flow.id, contact_id!)
      const stepOf = async (at: Date) => {
        const { engagement, timezone } = await service.personFacts(run, at)
        const state = { id: run.id, step_id: null, step_entered_at: at, timezone }
        const decision = decide(definition, state, { engagement }, at)
        return [engagement.level, decision.type]
      }
      expect(await stepOf(new Date(start.getTime() + HOUR))).toEqual(["new", "send"])
      expect(await stepOf(new Date(start.getTime() + 100 * DAY))).toEqual(["unengaged", "exit"])
    })

    describe("preferred channel", () => {
      const preferred = {
        id: "hello",
        type: "send_preferred",
        email: { subject: "Hello", html: "<p>Hello</p>" },
        sms: { body: "Hello from the store" },
      }

      async function signUp(who: string, phone: string, channels: ("email" | "sms")[], preferred_channel?: "email" | "sms") {
        await service.captureConsent(
          { email: who, phone, channels, preferred_channel, source: "test", text: "Yes, message me" },
          { ip: null, user_agent: null }
        )
      }

      it("compiles the email's blocks when saved, as a send_email step's, replacing any html sent with them", async () => {
        const flow = await service.createFlowWithDefinition({
          name: "Preferred with blocks",
          definition: {
            trigger: { event: "customer.created" },
            steps: [{ ...preferred, email: { subject: "Hello", blocks: [{ type: "text", text: "Welcome in" }], html: "<p>stale</p>" } }],
          },
        })
        const [saved] = await service.listFlowVersions({ id: flow.current_version_id! })
        const email = (saved.definition as unknown as { steps: { email: { html: string } }[] }).steps[0].email
        expect(email.html).toMatch(/^<!doctype html>/i)
        expect(email.html).toContain("Welcome in")
        expect(email.html).not.toContain("stale")
      })

      it("uses the stated preference when that channel has consent", async () => {
        const at = new Date("2026-06-01T15:00:00Z")
        const flow = await activeFlow("Preferred", { steps: [preferred] })
        await signUp("texts@example.com", "+14155550101", ["email", "sms"], "sms")
        const { contact_id } = await service.recordEvent(signupEvent("texts@example.com", at, "+14155550101"))
        expect(await service.preferredChannelFor(await runOf(flow.id, contact_id!), "hello", at)).toEqual({
          channel: "sms",
          because: "stated",
        })
      })

      it("falls back to email when the preferred SMS has no consent for the number", async () => {
        const at = new Date("2026-06-01T15:00:00Z")
        const flow = await activeFlow("Preferred 2", { steps: [preferred] })
        await signUp("nosms@example.com", "+14155550102", ["email"], "sms")
        const { contact_id } = await service.recordEvent(signupEvent("nosms@example.com", at, "+14155550102"))
        expect(await service.preferredChannelFor(await runOf(flow.id, contact_id!), "hello", at)).toEqual({
          channel: "email",
          because: "fallback",
        })
      })

      it("does not fall back to SMS without consent: the preferred email is refused with its reason", async () => {
        const at = new Date("2026-06-01T15:00:00Z")
        const flow = await activeFlow("Preferred 3", { steps: [preferred] })
        await signUp("gone@example.com", "+14155550103", ["email"], "email")
        const { contact_id } = await service.recordEvent(signupEvent("gone@example.com", at, "+14155550103"))
        await service.unsubscribeEmail(contact_id!, null, at)
        const run = (await claimedRuns(contact_id!, new Date(at.getTime() + 1000))).get(flow.id)!
        expect(await service.preferredChannelFor(run, "hello", at)).toEqual({ channel: "email", because: "stated" })
        // The scheduler sends on that channel, where the send policy refuses it: no text to a number without consent.
        expect(await sendEmail(run, "hello", at)).toBe("skipped")
        expect((await service.listMessages({ contact_id: contact_id! }))[0]).toMatchObject({
          channel: "email",
          error: "unsubscribed from email",
        })
      })

      it("without a stated preference takes the channel engaged with, and an admin can set one", async () => {
        const at = new Date("2026-06-01T15:00:00Z")
        const flow = await activeFlow("Preferred 4", { steps: [preferred] })
        await signUp("either@example.com", "+14155550104", ["email", "sms"])
        const { contact_id } = await service.recordEvent(signupEvent("either@example.com", at, "+14155550104"))
        const run = await runOf(flow.id, contact_id!)
        expect(await service.preferredChannelFor(run, "hello", at)).toEqual({ channel: "email", because: "default" })
        // A tap on a text's link, as the short link records it: SMS becomes the channel they engage with.
        await service.createContactEvents({ contact_id: contact_id!, type: "sms.clicked", occurred_at: at })
        expect(await service.preferredChannelFor(run, "hello", new Date(at.getTime() + HOUR))).toEqual({
          channel: "sms",
          because: "engagement",
        })
        await service.createContactEvents({ contact_id: contact_id!, type: "email.opened", occurred_at: at })
        await service.createContactEvents({ contact_id: contact_id!, type: "email.machine_opened", occurred_at: at })
        await service.createContactEvents({ contact_id: contact_id!, type: "email.clicked", occurred_at: at })
        expect(await service.preferredChannelFor(run, "hello", new Date(at.getTime() + HOUR))).toEqual({
          channel: "email",
          because: "engagement",
        })
        expect(await service.setPreferredChannel(contact_id!, "sms", at)).toBe(true)
        expect(await service.preferredChannelFor(run, "hello", new Date(at.getTime() + HOUR))).toEqual({
          channel: "sms",
          because: "stated",
        })

        // Once the step has a message on a channel (here waiting or sent), it keeps that channel.
        const claimed = (await claimedRuns(contact_id!, new Date(at.getTime() + 1000))).get(flow.id)!
        expect(
          await service.deliverStepMessage(claimed, { id: "hello", channel: "sms" }, { rendered: { channel: "sms", text: "Hello" } }, at)
        ).toBe("sent")
        await service.setPreferredChannel(contact_id!, "email", at)
        expect(await service.preferredChannelFor(claimed, "hello", new Date(at.getTime() + HOUR))).toEqual({
          channel: "sms",
          because: "earlier_attempt",
        })
      })
    })
  },
})
