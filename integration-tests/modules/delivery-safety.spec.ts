import path from "node:path"
import { Client } from "pg"
import { moduleIntegrationTestRunner } from "@medusajs/test-utils"
import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import type { RunRow } from "../../src/modules/flows/types"
import { FakeSendGrid } from "../fakes/sendgrid"
import { FakeTwilio } from "../fakes/twilio"
import { eventually } from "../helpers/store-fixtures"

jest.setTimeout(60_000)

const sendgrid = new FakeSendGrid()
const twilioFake = new FakeTwilio()

// The providers' base URLs are set once the fakes listen; the module reads its options at each test's start.
const options = {
  storefrontUrl: "http://storefront.test",
  secret: "test-secret-that-is-at-least-32-characters",
  scheduler: { pollIntervalMs: 1000, batchSize: 10, leaseMs: 5_000 },
  delivery: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000, timeoutMs: 1000 },
  sendgrid: { apiKey: sendgrid.apiKey, from: { email: "shop@example.com" }, apiBaseUrl: "http://127.0.0.1:1" },
  twilio: { accountSid: twilioFake.accountSid, authToken: twilioFake.authToken, from: "+15005550006", apiBaseUrl: "http://127.0.0.1:1" },
}

beforeAll(async () => {
  await Promise.all([sendgrid.start(), twilioFake.start()])
  options.sendgrid.apiBaseUrl = sendgrid.url
  options.twilio.apiBaseUrl = twilioFake.url
})
afterAll(() => Promise.all([sendgrid.stop(), twilioFake.stop()]))

const definition = {
  trigger: { event: "cart.updated" },
  steps: [{ id: "email", type: "send_email", template: { subject: "Hi", html: "<p>Hi</p>" } }],
}
const emailStep = { id: "email", channel: "email" as const }
const rendered = { rendered: { channel: "email" as const, subject: "Hi", html: "<p>Hi</p>", text: "Hi" } }

moduleIntegrationTestRunner<FlowsModuleService>({
  moduleName: FLOWS_MODULE,
  resolve: path.join(__dirname, "../../src/modules/flows"),
  moduleOptions: options,
  cwd: path.join(__dirname, "../.."),
  testSuite: ({ service, dbConfig }) => {
    let pg: Client
    beforeEach(async () => {
      pg = new Client({ connectionString: dbConfig.clientUrl })
      await pg.connect()
    })
    afterEach(() => pg.end())

    /** A claimed run of a guest: no contact, so these tests are about delivery, not consent. */
    async function guestRun(cartId: string): Promise<RunRow> {
      const flow = await service.createFlowWithDefinition({ name: "Delivery", definition })
      await service.setFlowStatus(flow.id, "active")
      await service.recordEvent({
        name: "cart.updated",
        occurred_at: new Date(),
        subject: { type: "cart", id: cartId },
        identity: { cart_id: cartId, email: `${cartId}@example.com` },
        facts: { cart: { id: cartId } },
      })
      const [run] = await service.claimDueRuns(new Date(Date.now() + 1000))
      return { ...run, contact_id: null }
    }

    /** Makes the next UPDATE of flows_message that matches `when` fail, once: a real fault, raised by Postgres. */
    async function failNextMessageUpdate(when: string) {
      await pg.query(`CREATE SEQUENCE IF NOT EXISTS test_fault_seq`)
      await pg.query(`SELECT setval('test_fault_seq', 1, false)`)
      await pg.query(`CREATE OR REPLACE FUNCTION test_fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF nextval('test_fault_seq') = 1 THEN
            RAISE EXCEPTION 'injected fault';
          END IF;
          RETURN NEW;
        END $$`)
      await pg.query(`DROP TRIGGER IF EXISTS test_fail_once ON flows_message`)
      await pg.query(
        `CREATE TRIGGER test_fail_once BEFORE UPDATE ON flows_message FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION test_fail_once()`
      )
    }

    it("marks a mail whose call timed out uncertain, never sends it again by itself, and resends it only when told to", async () => {
      const run = await guestRun("cart_timeout")
      const before = sendgrid.requests.length
      // SendGrid takes the mail but answers after the client's 1 s timeout.
      sendgrid.answerLate(1500)
      expect(await service.deliverStepMessage(run, emailStep, rendered)).toBe("uncertain")
      const [message] = await service.listMessages({ run_id: run.id })
      expect(message).toMatchObject({ status: "uncertain", attempts: 1, error: expect.stringMatching(/^SendGrid did not answer/) })

      // The next ticks, the lease long gone: the step is done, nothing is sent again.
      const later = new Date(Date.now() + 3_600_000)
      expect(await service.deliverStepMessage(run, emailStep, rendered, later)).toBe("already_handled")
      expect(sendgrid.requests.length - before).toBe(1)

      await expect(service.retryMessage(message.id)).rejects.toThrow(/may already have been sent/)
      expect(sendgrid.requests.length - before).toBe(1)
      const retried = await service.retryMessage(message.id, { confirmDuplicateRisk: true })
      expect(retried).toMatchObject({ status: "sent", attempts: 2, error: null, provider_id: expect.stringMatching(/^fakeSgMsg/) })
      expect(sendgrid.requests.length - before).toBe(2)
    })

    it("keeps a mail sent, with its provider id, when the write after the send fails once", async () => {
      const run = await guestRun("cart_fault")
      await failNextMessageUpdate("NEW.provider_id IS NOT NULL AND OLD.provider_id IS NULL")
      const before = sendgrid.requests.length
      expect(await service.deliverStepMessage(run, emailStep, rendered)).toBe("sent")
      expect(sendgrid.requests.length - before).toBe(1)
      const [message] = await service.listMessages({ run_id: run.id })
      expect(message).toMatchObject({ status: "sent", error: null, provider_id: expect.stringMatching(/^fakeSgMsg/) })
      await expect(service.retryMessage(message.id)).rejects.toThrow("Only a failed or uncertain message can be retried; this one is sent")
      expect(sendgrid.requests.length - before).toBe(1)
    })

    it("leaves a retry to the worker that took it first", async () => {
      const run = await guestRun("cart_race")
      sendgrid.respondNext({ status: 500, body: { errors: [{ field: null, message: "internal server error" }] } })
      expect(await service.deliverStepMessage(run, emailStep, rendered)).toMatchObject({ reason: "provider_retry" })
      const [message] = await service.listMessages({ run_id: run.id })
      const before = sendgrid.requests.length

      // Between this worker's read of `retrying` and its update, another worker takes the retry: the update matches no row.
      await pg.query(`CREATE OR REPLACE FUNCTION test_taken_elsewhere() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RETURN NULL; END $$`)
      await pg.query(`CREATE TRIGGER test_taken_elsewhere BEFORE UPDATE ON flows_message FOR EACH ROW
        WHEN (OLD.status = 'retrying' AND NEW.status = 'sending') EXECUTE FUNCTION test_taken_elsewhere()`)

      expect(await service.deliverStepMessage(run, emailStep, rendered)).toBe("already_handled")
      expect(sendgrid.requests.length).toBe(before)
      expect(await service.retrieveMessage(message.id)).toMatchObject({ status: "retrying", attempts: 1 })
    })

    it("skips a mail waiting for a provider retry once its recipient has unsubscribed, decided under the lock alone", async () => {
      const flow = await service.createFlowWithDefinition({ name: "Retry consent", definition })
      await service.setFlowStatus(flow.id, "active")
      await service.recordEvent({
        name: "cart.updated",
        occurred_at: new Date(),
        subject: { type: "cart", id: "cart_retry_consent" },
        identity: { cart_id: "cart_retry_consent", email: "rita@example.com" },
        facts: { cart: { id: "cart_retry_consent" } },
      })
      const [run] = await service.claimDueRuns(new Date(Date.now() + 1000))
      expect(run.contact_id).toBeTruthy()
      // Rendering this email has no side effects, so the send policy is asked once, under the contact's lock.
      const step = { ...emailStep, render_has_side_effects: false }
      sendgrid.respondNext({ status: 500, body: { errors: [{ field: null, message: "internal server error" }] } })
      expect(await service.deliverStepMessage(run, step, rendered)).toMatchObject({ reason: "provider_retry" })
      const before = sendgrid.requests.length

      await service.unsubscribeEmail(run.contact_id!, null)
      expect(await service.deliverStepMessage(run, step, rendered)).toBe("skipped")
      expect(sendgrid.requests.length).toBe(before)
      const [message] = await service.listMessages({ run_id: run.id })
      expect(message).toMatchObject({ status: "skipped", attempts: 1, error: expect.stringMatching(/unsubscribed/) })
    })

    it("keeps a SendGrid event unseen when applying it fails, so the redelivery applies it", async () => {
      const run = await guestRun("cart_event")
      expect(await service.deliverStepMessage(run, emailStep, rendered)).toBe("sent")
      const [message] = await service.listMessages({ run_id: run.id })
      const events = [
        { event: "delivered", sg_event_id: "evt-fault", email: "cart_event@example.com", timestamp: 1, flows_message_id: message.id },
      ]

      await failNextMessageUpdate("NEW.status = 'delivered'")
      await expect(service.recordSendGridEvents(events)).rejects.toThrow("injected fault")
      expect(await service.recordSendGridEvents(events)).toEqual({ received: 1, applied: 1 })
      expect(await service.retrieveMessage(message.id)).toMatchObject({ status: "delivered" })
      expect(await service.recordSendGridEvents(events)).toEqual({ received: 1, applied: 0 })
    })

    it("keeps a Twilio status that arrives before the send's sid is stored, and applies it with the sid", async () => {
      const release = twilioFake.holdNextAnswer()
      const sending = service.sendTestMessage("flow_test", { id: "text", channel: "sms" }, "+14155550100", { channel: "sms", text: "Hi" })
      // Twilio created the message and calls back before its answer to the send reaches us.
      const request = await eventually(async () => twilioFake.requests.find((r) => r.params.To === "+14155550100" && r.sid))
      await service.recordTwilioStatus({ MessageSid: request.sid!, MessageStatus: "delivered", AccountSid: twilioFake.accountSid })
      const [kept] = await service.listProviderEvents({ pending_provider_id: request.sid })
      expect(kept).toMatchObject({ message_id: null, payload: expect.objectContaining({ MessageStatus: "delivered" }) })
      release()

      const message = await sending
      expect(message).toMatchObject({ status: "delivered", provider_id: request.sid })
      expect(await service.listProviderEvents({ pending_provider_id: request.sid })).toHaveLength(0)
      expect(await service.listProviderEvents({ message_id: message.id })).toHaveLength(1)
    })

    it("settles an uncertain message with the result of the queued send that finished after its caller gave up", async () => {
      const draft = {
        flow_id: "flow_q",
        run_id: "run_q",
        step_id: "text",
        channel: "sms" as const,
        provider: "twilio",
        to: "+14155550100",
        status: "uncertain" as const,
      }
      const [sent, refused] = await service.createMessages([
        { ...draft, idempotency_key: "flow_q:run_q:text" },
        { ...draft, idempotency_key: "flow_q:run_q:text-2", step_id: "text-2" },
      ])
      await service.recordTwilioStatus({ MessageSid: "SMlate", MessageStatus: "delivered" })

      await service.recordQueuedOutcome(sent.id, { result: { status: "sent", provider_id: "SMlate" } })
      expect(await service.retrieveMessage(sent.id)).toMatchObject({
        status: "delivered",
        provider_id: "SMlate",
        sent_at: expect.any(Date),
      })
      await service.recordQueuedOutcome(refused.id, {
        error: { message: "Twilio 400 (21211): invalid", details: { retryable: false, code: "21211" } },
      })
      expect(await service.retrieveMessage(refused.id)).toMatchObject({ status: "failed", error_code: "21211" })
    })
  },
})
