import path from "node:path"
import { Client } from "pg"
import { moduleIntegrationTestRunner } from "@medusajs/test-utils"
import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import { suppressionHash } from "../../src/modules/flows/suppression"
import type { RunRow, StoreEvent } from "../../src/modules/flows/types"

jest.setTimeout(60_000)

const SECRET = "test-secret-that-is-at-least-32-characters"
// A store without SMS double opt-in: an erased number must confirm with YES all the same.
const options = { storefrontUrl: "http://storefront.test", secret: SECRET, smsDoubleOptIn: false }
const client = { ip: "203.0.113.5", user_agent: "Test browser" }

const definition = {
  trigger: { event: "cart.updated", filters: { all: [{ field: "cart.email", op: "exists" }] } },
  steps: [{ id: "reminder", type: "send_email", template: { subject: "Your cart", html: "<p>Hi</p>" } }],
}
const reminder = { id: "reminder", channel: "email" as const }
const body = (name: string) => ({
  rendered: {
    channel: "email" as const,
    subject: `${name}, your cart`,
    html: `<p>Private body for ${name}</p>`,
    text: `Private body for ${name}`,
  },
})

const cartEvent = (cartId: string, email: string, at: Date, customerId: string | null = null): StoreEvent => ({
  name: "cart.updated",
  occurred_at: at,
  subject: { type: "cart", id: cartId },
  identity: { cart_id: cartId, email, customer_id: customerId },
  facts: { cart: { id: cartId, email, item_count: 1 } },
})

const orderEvent = (orderId: string, email: string, at: Date): StoreEvent => ({
  name: "order.placed",
  occurred_at: at,
  subject: { type: "order", id: orderId },
  identity: { order_id: orderId, email },
  facts: { order: { id: orderId, email, total: 80, currency_code: "eur" } },
})

moduleIntegrationTestRunner<FlowsModuleService>({
  moduleName: FLOWS_MODULE,
  resolve: path.join(__dirname, "../../src/modules/flows"),
  moduleOptions: options,
  cwd: path.join(__dirname, "../.."),
  testSuite: ({ service, dbConfig }) => {
    const t0 = new Date("2026-03-02T10:00:00Z")
    const minutes = (n: number) => new Date(t0.getTime() + n * 60_000)
    let pg: Client
    beforeEach(async () => {
      pg = new Client({ connectionString: dbConfig.clientUrl })
      await pg.connect()
    })
    afterEach(() => pg.end())

    async function activeFlow() {
      const flow = await service.createFlowWithDefinition({ name: "Abandoned cart", definition })
      return await service.setFlowStatus(flow.id, "active")
    }

    /** Runs the due run of `cartId` and sends its reminder at `at`, as the scheduler would. */
    async function sendReminder(cartId: string, name: string, at: Date): Promise<RunRow> {
      const claimed = await service.claimDueRuns(at)
      const run = claimed.find((r) => r.cart_id === cartId)!
      expect(await service.deliverStepMessage(run, reminder, body(name), at)).toBe("sent")
      return run
    }

    /**
     * A person with two contacts (two addresses under one customer id), a number they confirmed with YES,
     * consent evidence, a sent reminder with a short link, and an order credited to it.
     */
    async function person(name: string, number: string) {
      const home = `${name}@example.com`
      const work = `${name}.work@example.com`
      const flow = await activeFlow()
      await service.captureConsent({ email: home, channels: ["email"], source: "footer", text: "Send me news" }, client, t0)
      await service.captureConsent({ email: home, phone: number, channels: ["sms"], source: "checkout", text: "Text me" }, client, t0)
      await service.recordInboundSms({ From: number, Body: "YES", MessageSid: `SM-${name}` }, minutes(1))
      await service.recordEvent({ ...cartEvent(`cart_${name}_home`, home, minutes(2), `cus_${name}`), name: "customer.created" })
      await service.recordEvent(cartEvent(`cart_${name}`, work, minutes(3), `cus_${name}`))
      const run = await sendReminder(`cart_${name}`, name, minutes(4))
      const link = await service.shortRecoveryLink(`cart_${name}`, `${flow.id}:${run.id}:reminder`, minutes(4))
      await service.recordEvent(orderEvent(`order_${name}`, work, minutes(30)))
      return { flow, home, work, number, run, link }
    }

    /** Every row of every plugin table that mentions `needle`, as "table: row". */
    async function rowsMentioning(needle: string) {
      const { rows: tables } = await pg.query(`SELECT tablename FROM pg_tables WHERE tablename LIKE 'flows\\_%'`)
      const found: string[] = []
      for (const { tablename } of tables) {
        const { rows } = await pg.query(`SELECT row_to_json(t)::text AS row FROM ${tablename} t WHERE row_to_json(t)::text ILIKE $1`, [
          `%${needle}%`,
        ])
        found.push(...rows.map((r) => `${tablename}: ${r.row}`))
      }
      return found
    }

    it("exports a person's two contacts, their number's consent, evidence, messages, timeline, runs and links", async () => {
      const { home, work, number, run, link } = await person("ann", "+14155550123")
      const data = (await service.exportPerson({ customer_id: "cus_ann" }, minutes(40)))!
      expect(data).toMatchObject({ exported_at: minutes(40).toISOString(), looked_up_by: "customer_id", truncated: [], suppressed: [] })
      expect(data.contacts.map((c: any) => c.email).sort()).toEqual([home, work].sort())
      expect(data.contacts.find((c: any) => c.email === home)).toMatchObject({
        phone: number,
        customer_id: "cus_ann",
        email_consent: "granted",
      })
      expect(data.phone_consents).toEqual([expect.objectContaining({ phone: number, state: "granted" })])
      expect(data.consent_evidence).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ channel: "email", state: "granted", recipient: home, text: "Send me news", ...client }),
          expect.objectContaining({ channel: "sms", state: "granted", recipient: number, text: "Text me" }),
          expect.objectContaining({ channel: "sms", state: "granted", recipient: number, source: "sms_reply", text: "YES" }),
        ])
      )
      expect(data.messages).toEqual([
        expect.objectContaining({ run_id: run.id, to: work, subject: "ann, your cart", html: "<p>Private body for ann</p>" }),
      ])
      expect(data.runs).toEqual([expect.objectContaining({ id: run.id, cart_id: "cart_ann", email: work })])
      expect(data.short_links).toEqual([expect.objectContaining({ code: link!.split("/").pop(), cart_id: "cart_ann" })])
      expect(data.conversions).toEqual([expect.objectContaining({ order_id: "order_ann", touch: "message" })])
      const types = data.timeline.map((e: any) => e.type)
      expect(types).toEqual(expect.arrayContaining(["consent.granted", "sms.opted_in", "email.sent", "order.placed"]))
      // Found by any of their keys, the person is the same.
      const byPhone = (await service.exportPerson({ phone: "(415) 555-0123", country_code: "us" }))!
      expect(byPhone.contacts).toHaveLength(2)
      const byEmail = (await service.exportPerson({ email: " Ann.Work@Example.com" }))!
      expect(byEmail.contacts).toHaveLength(2)
      // Several keys of one person (as the customer page sends them) find the same rows.
      const byBoth = (await service.exportPerson({ customer_id: "cus_ann", email: home }))!
      expect(byBoth).toMatchObject({ looked_up_by: "customer_id+email", contacts: data.contacts, messages: data.messages })
      expect(await service.exportPerson({ email: "nobody@example.com" })).toBeNull()
      expect(await service.exportPerson({ customer_id: "cus_nobody" })).toBeNull()
    })

    it("erases a person, keeps the analytics totals, and starts nothing for a new cart from the erased address", async () => {
      const { flow, home, work, number } = await person("bob", "+14155550177")
      // Someone else in the same flow, who must not be touched.
      await service.recordEvent(cartEvent("cart_cy", "cy@example.com", minutes(5)))
      await sendReminder("cart_cy", "cy", minutes(6))
      await service.unsubscribeEmail((await service.listContacts({ email: work }))[0].id, flow.id, minutes(35))
      // Bob unsubscribed at home and signed up again: the confirmation email is his too.
      await service.unsubscribeEmail((await service.listContacts({ email: home }))[0].id, null, minutes(36))
      await service.captureConsent({ email: home, channels: ["email"], source: "footer", text: "Again" }, client, minutes(37))
      expect(await service.listMessages({ to: home })).toEqual([expect.objectContaining({ step_id: "email-confirmation" })])
      const range = { from: t0, to: minutes(60) }
      const before = await service.analytics(range)
      expect(before.totals).toMatchObject({ sent: 2, converted: 1, unsubscribed: 1 })

      const erasure = (await service.erasePerson({ email: home }, "user_admin", minutes(45)))!
      expect(erasure).toMatchObject({
        actor_id: "user_admin",
        looked_up_by: "email",
        counts: expect.objectContaining({
          contacts_deleted: 2,
          runs_anonymised: 1,
          messages_anonymised: 1,
          // The email confirmation, which counts nowhere.
          messages_deleted: 1,
          evidence_deleted: 4,
          phone_consents_deleted: 1,
          short_links_deleted: 1,
          conversions_anonymised: 1,
          timeline_anonymised: 1,
          suppressed: 3,
        }),
      })
      // Nothing names the person any more: not the addresses, the number, the customer id, the cart or the body.
      for (const needle of [home, work, number, "cus_bob", "cart_bob", "Private body for bob", "203.0.113.5"]) {
        expect(await rowsMentioning(needle)).toEqual([])
      }
      // The audit record holds who and how many, never whom.
      const { rows: audits } = await pg.query(`SELECT row_to_json(e)::text AS row FROM flows_erasure e`)
      expect(audits).toHaveLength(1)
      expect(audits[0].row).not.toMatch(/bob|example\.com|4155550177/)
      // The suppression list holds keyed hashes only.
      const { rows: suppressed } = await pg.query(`SELECT hash, channel FROM flows_suppression ORDER BY channel`)
      expect(suppressed.map((s) => s.hash).sort()).toEqual(
        [suppressionHash(SECRET, "email", home), suppressionHash(SECRET, "email", work), suppressionHash(SECRET, "sms", number)].sort()
      )
      expect(await service.isSuppressed("email", "BOB@example.com ")).toBe(true)
      expect(await service.isSuppressed("email", "cy@example.com")).toBe(false)

      const after = await service.analytics(range)
      expect(after.totals).toEqual(before.totals)
      expect(after.steps).toEqual(before.steps)
      // Cy is untouched.
      expect(await service.exportPerson({ email: "cy@example.com" })).toMatchObject({
        runs: [expect.objectContaining({ email: "cy@example.com" })],
      })
      expect(await service.exportPerson({ email: home })).toBeNull()

      // Importing the order history does not collect the erased address again.
      expect(await service.noteLastOrders([{ email: home, customer_id: "cus_bob", at: minutes(46) }], minutes(46))).toBe(0)

      // Bob comes back with a new cart: no contact, no run, nothing to send; the store's own flow goes on.
      const result = await service.recordEvent(cartEvent("cart_bob_2", home, minutes(50), "cus_bob"))
      expect(result).toEqual({ contact_id: null, entered: [], exited: [], restarted: [] })
      expect(await service.listFlowRuns({ cart_id: "cart_bob_2" })).toEqual([])
      expect((await service.claimDueRuns(minutes(51))).filter((r) => r.cart_id === "cart_bob_2")).toEqual([])
      expect(await service.listContacts({ email: [home, work] })).toEqual([])
      expect(await rowsMentioning(home)).toEqual([])
      expect((await service.recordEvent(cartEvent("cart_dee", "dee@example.com", minutes(52)))).entered).toHaveLength(1)
    })

    it("skips a send to a suppressed address even for a run that entered before it was suppressed", async () => {
      await activeFlow()
      await service.recordEvent(cartEvent("cart_eve", "eve@example.com", t0))
      const [run] = await service.claimDueRuns(minutes(1))
      await service.createSuppressions({ hash: suppressionHash(SECRET, "email", "eve@example.com"), channel: "email", reason: "erasure" })
      expect(await service.deliverStepMessage(run, reminder, body("eve"), minutes(1))).toBe("skipped")
      const [message] = await service.listMessages({ run_id: run.id })
      expect(message).toMatchObject({ status: "skipped", error: "address is suppressed (marketing data erased)", html: null })
    })

    it("keeps an erased address suppressed after a form sign-up until it confirms by email; a number until it texts YES", async () => {
      await person("fay", "+14155550188")
      await service.erasePerson({ customer_id: "cus_fay" }, null, minutes(45))
      const home = "fay@example.com"

      // A form alone could be anyone's: the address is asked to confirm, and stays suppressed until it does.
      const signUp = await service.captureConsent({ email: home, channels: ["email"], source: "footer", text: "News" }, client, minutes(50))
      expect(signUp).toMatchObject({ channels: [], awaiting_confirmation: ["email"] })
      expect(await service.isSuppressed("email", home)).toBe(true)
      const confirmations = await service.listMessages({ to: home })
      expect(confirmations).toEqual([expect.objectContaining({ step_id: "email-confirmation", status: "delivered" })])
      expect((await service.recordEvent(cartEvent("cart_fay_2", home, minutes(51)))).entered).toEqual([])

      expect(await service.confirmEmailSubscription(signUp.contact_id, home, client, minutes(52))).toBe(true)
      expect(await service.isSuppressed("email", home)).toBe(false)
      expect((await service.recordEvent(cartEvent("cart_fay_3", home, minutes(53)))).entered).toHaveLength(1)

      // The number: the form leaves it pending (this store does not ask other numbers for a YES), and its YES lifts it.
      const number = "+14155550188"
      const texts = await service.captureConsent({ phone: number, channels: ["sms"], source: "footer", text: "Texts" }, client, minutes(54))
      expect(texts).toMatchObject({ channels: [], awaiting_confirmation: ["sms"] })
      expect(await service.smsConsentOf(number)).toBe("pending")
      expect(await service.isSuppressed("sms", number)).toBe(true)
      expect(await service.listMessages({ to: number })).toEqual([expect.objectContaining({ step_id: "sms-confirmation" })])
      await service.recordInboundSms({ From: number, Body: "yes", MessageSid: "SM-fay-2" }, minutes(55))
      expect(await service.isSuppressed("sms", number)).toBe(false)
      expect(await service.smsConsentOf(number)).toBe("granted")
    })
  },
})
