import type { Knex } from "knex"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { FLOWS_MODULE } from "../../src/modules/flows"
import { signLinkToken } from "../../src/modules/flows/links/signed-links"
import type FlowsModuleService from "../../src/modules/flows/service"
import { load, type LoadResult } from "../helpers/load"
import { useProviderFakes } from "../helpers/provider-fakes"
import { storeTestRunner } from "../helpers/store-fixtures"

// The public routes under a bounded loopback load (autocannon): 400 to 1,500 requests a route over 20
// connections, each distinct request sent several times, often at the same moment, as providers redeliver
// and people tap twice. Every route must answer without an error, and every write must land exactly once.
jest.setTimeout(600_000)

const BACKEND = "http://localhost:9000"
const CONNECTIONS = 20
const BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
const { sendgrid, twilio: twilioFake } = useProviderFakes()

/** No request went unanswered and none got a 5xx; every answer is one of `expected`. */
function expectAnswered(result: LoadResult, expected: number[]) {
  expect({ errors: result.errors, timeouts: result.timeouts }).toEqual({ errors: 0, timeouts: 0 })
  expect(Object.keys(result.statuses).map(Number).sort()).toEqual([...expected].sort())
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

storeTestRunner(({ api, getContainer, store }) => {
  let flows: FlowsModuleService
  let knex: Knex

  beforeEach(() => {
    flows = getContainer().resolve(FLOWS_MODULE)
    knex = getContainer().resolve(ContainerRegistrationKeys.PG_CONNECTION)
  })

  const count = async (sql: string) => Number((await knex.raw(sql)).rows[0].count)

  /** `n` contacts, `load-<i>@example.com` and +1415555<i>, with email consent; each with a sent message on `channel`. */
  async function contactsWithMessages(n: number, channel: "email" | "sms") {
    await knex.raw(
      `INSERT INTO flows_contact (id, email, phone, email_consent) SELECT 'con_load_' || i, 'load-' || i || '@example.com',
         '+1415555' || lpad(i::text, 4, '0'), 'granted' FROM generate_series(0, ? - 1) i`,
      [n]
    )
    await knex.raw(
      `INSERT INTO flows_message (id, idempotency_key, contact_id, channel, provider, "to", status, provider_id, sent_at)
       SELECT 'msg_load_' || i, 'key_load_' || i, 'con_load_' || i, ?, ?, CASE WHEN ? = 'email' THEN 'load-' || i || '@example.com'
         ELSE '+1415555' || lpad(i::text, 4, '0') END, 'sent', 'prov_load_' || i, now()
       FROM generate_series(0, ? - 1) i`,
      [channel, channel === "email" ? "sendgrid" : "twilio", channel, n]
    )
  }

  const timelineCounts = async (type: string) =>
    (await knex.raw(`SELECT contact_id, count(*)::int AS n FROM flows_contact_event WHERE type = ? GROUP BY contact_id`, [type])).rows

  it("applies every signed SendGrid event exactly once while batches are redelivered concurrently", async () => {
    await contactsWithMessages(200, "email")
    // One batch per message (delivered, open, click), each delivered about 6 times.
    const batches = range(200).map((i) =>
      sendgrid.signedEvents(
        ["delivered", "open", "click"].map((event) => ({
          event,
          email: `load-${i}@example.com`,
          timestamp: Math.floor(Date.now() / 1000),
          sg_event_id: `load-${event}-${i}`,
          sg_message_id: `prov_load_${i}.filterdrecv-1`,
          flows_message_id: `msg_load_${i}`,
        }))
      )
    )
    const result = await load(
      api.defaults.baseURL,
      batches.map((b) => ({ method: "POST" as const, path: "/hooks/flows/sendgrid", ...b })),
      { amount: 1200, connections: CONNECTIONS }
    )
    expectAnswered(result, [200])
    const applied = result.bodies.reduce((sum, r) => sum + JSON.parse(r.body).applied, 0)
    expect(applied).toBe(600)
    expect(await count(`SELECT count(*) FROM flows_provider_event WHERE provider = 'sendgrid'`)).toBe(600)
    expect(await count(`SELECT count(*) FROM flows_contact_event WHERE dedupe_key LIKE 'sendgrid:load-%'`)).toBe(600)
    expect(await count(`SELECT count(*) FROM flows_message WHERE id LIKE 'msg_load_%' AND status = 'clicked'`)).toBe(200)
  })

  it("applies every signed Twilio status callback and STOP exactly once under concurrent redelivery", async () => {
    await contactsWithMessages(150, "sms")
    const status = range(150).flatMap((i) =>
      ["sent", "delivered"].map((MessageStatus) => ({
        method: "POST" as const,
        path: "/hooks/flows/twilio/status",
        ...twilioFake.signedForm(`${BACKEND}/hooks/flows/twilio/status`, { MessageSid: `prov_load_${i}`, MessageStatus }),
      }))
    )
    const statusResult = await load(api.defaults.baseURL, status, { amount: 1500, connections: CONNECTIONS })
    expectAnswered(statusResult, [204])
    expect(await count(`SELECT count(*) FROM flows_provider_event WHERE provider = 'twilio'`)).toBe(300)
    expect(await count(`SELECT count(*) FROM flows_message WHERE id LIKE 'msg_load_%' AND status = 'delivered'`)).toBe(150)
    for (const type of ["sms.sent", "sms.delivered"]) {
      const perContact = await timelineCounts(type)
      expect([type, perContact.length, perContact.every((r: { n: number }) => r.n === 1)]).toEqual([type, 150, true])
    }

    const stops = range(50).map((i) => ({
      method: "POST" as const,
      path: "/hooks/flows/twilio/inbound",
      ...twilioFake.signedForm(`${BACKEND}/hooks/flows/twilio/inbound`, {
        MessageSid: `SMstop${i}`,
        From: `+1415555${String(i).padStart(4, "0")}`,
        Body: "STOP",
      }),
    }))
    const stopResult = await load(api.defaults.baseURL, stops, { amount: 500, connections: CONNECTIONS })
    expectAnswered(stopResult, [200])
    expect(await count(`SELECT count(*) FROM flows_provider_event WHERE event_id LIKE 'inbound:SMstop%'`)).toBe(50)
    expect(await count(`SELECT count(*) FROM flows_phone_consent WHERE state = 'unsubscribed'`)).toBe(50)
    expect(await count(`SELECT count(*) FROM flows_consent_evidence WHERE source = 'sms_reply'`)).toBe(50)
    const optedOut = await timelineCounts("sms.opted_out")
    expect([optedOut.length, optedOut.every((r: { n: number }) => r.n === 1)]).toEqual([50, true])
  })

  it("counts each text's short-link click once, however often and however concurrently it is tapped", async () => {
    await contactsWithMessages(100, "sms")
    await knex.raw(
      `INSERT INTO flows_short_link (id, code, cart_id, message_key, expires_at)
       SELECT 'lnk_load_' || i, 'loadcode' || i, 'cart_load_' || i, 'key_load_' || i, now() + interval '1 day'
       FROM generate_series(0, 99) i`
    )
    const taps = range(100).map((i) => ({ method: "GET" as const, path: `/flows/r/loadcode${i}`, headers: { "user-agent": BROWSER } }))
    const result = await load(api.defaults.baseURL, taps, { amount: 1500, connections: CONNECTIONS })
    expectAnswered(result, [302])
    expect(await count(`SELECT count(*) FROM flows_message WHERE id LIKE 'msg_load_%' AND status = 'clicked'`)).toBe(100)
    const clicks = await timelineCounts("sms.clicked")
    expect([clicks.length, clicks.every((r: { n: number }) => r.n === 1)]).toEqual([100, true])
  })

  it("records every one-click unsubscribe once, when a mail client posts it again and again", async () => {
    await contactsWithMessages(100, "email")
    const secret = flows.getOptions().secret
    const clicks = range(100).map((i) => ({
      method: "POST" as const,
      path: `/flows/unsubscribe?token=${signLinkToken(secret, "unsubscribe", `con_load_${i}`)}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    }))
    const result = await load(api.defaults.baseURL, clicks, { amount: 1000, connections: CONNECTIONS })
    expectAnswered(result, [200])
    expect(await count(`SELECT count(*) FROM flows_contact WHERE id LIKE 'con_load_%' AND email_consent = 'unsubscribed'`)).toBe(100)
    const unsubscribed = await timelineCounts("email.unsubscribed")
    expect([unsubscribed.length, unsubscribed.every((r: { n: number }) => r.n === 1)]).toEqual([100, true])
  })

  it("answers a burst of storefront sign-ups from one IP with the limiter's 429, and records every sign-up it accepted", async () => {
    const signUps = range(400).map((i) => ({
      method: "POST" as const,
      path: "/store/flows/consent",
      headers: { "content-type": "application/json", ...store.storeHeaders.headers },
      body: JSON.stringify({ email: `signup-${i}@example.com`, channels: ["email"], source: "load-test", text: "Email me offers" }),
    }))
    const result = await load(api.defaults.baseURL, signUps, { amount: 400, connections: CONNECTIONS })
    expectAnswered(result, [201, 429])
    const refusals = result.bodies.filter((r) => r.status === 429).map((r) => JSON.parse(r.body))
    expect(new Set(refusals.map((r) => JSON.stringify(r)))).toEqual(
      new Set([JSON.stringify({ type: "too_many_requests", message: "Too many sign-ups; try again in a minute." })])
    )
    const accepted = result.statuses[201]
    // The limit is per minute, on a sliding window: a burst across the turn of a minute passes at most twice it.
    expect(accepted).toBeLessThanOrEqual(2 * flows.getOptions().consentRequestsPerMinute)
    expect(await count(`SELECT count(*) FROM flows_consent_evidence WHERE source = 'load-test' AND state = 'granted'`)).toBe(accepted)
    expect(await count(`SELECT count(*) FROM flows_contact WHERE email LIKE 'signup-%' AND email_consent = 'granted'`)).toBe(accepted)
  })
})
