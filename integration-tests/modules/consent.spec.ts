import path from "node:path"
import { moduleIntegrationTestRunner } from "@medusajs/test-utils"
import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"

jest.setTimeout(60_000)

const options = {
  storefrontUrl: "http://storefront.test",
  secret: "test-secret-that-is-at-least-32-characters",
  consentRequestsPerMinute: 3,
}

const signUp = (fields: Record<string, string>) => ({
  channels: ["sms" as const],
  source: "footer",
  text: "Text me offers",
  ...fields,
})

moduleIntegrationTestRunner<FlowsModuleService>({
  moduleName: FLOWS_MODULE,
  resolve: path.join(__dirname, "../../src/modules/flows"),
  moduleOptions: options,
  cwd: path.join(__dirname, "../.."),
  testSuite: ({ service }) => {
    const minute = new Date("2026-03-02T10:00:10Z")

    it("limits sign-ups per email and per phone number, whatever IP they come from", async () => {
      const byEmail: boolean[] = []
      for (let i = 0; i < 5; i++) {
        byEmail.push(await service.consentRateLimited({ email: "Same@Example.com " }, `198.51.100.${i}`, minute))
      }
      expect(byEmail).toEqual([false, false, false, true, true])
      const byPhone: boolean[] = []
      for (let i = 0; i < 5; i++) {
        byPhone.push(await service.consentRateLimited({ phone: "(415) 555-0100", country_code: "us" }, `198.51.100.${i + 10}`, minute))
      }
      expect(byPhone).toEqual([false, false, false, true, true])
      // The minute before still counts for the part of it within the last sixty seconds: 10 s into the
      // next minute, 5 hits × 50/60 + 1 is still over 3. After a quiet minute the count starts over.
      const next = new Date(minute.getTime() + 60_000)
      expect(await service.consentRateLimited({ email: "same@example.com" }, "198.51.100.98", next)).toBe(true)
      const afterQuietMinute = new Date(minute.getTime() + 120_000)
      expect(await service.consentRateLimited({ email: "same@example.com" }, "198.51.100.99", afterQuietMinute)).toBe(false)
    })

    it("counts parallel sign-ups atomically: exactly the limit passes", async () => {
      const results = await Promise.all(Array.from({ length: 12 }, () => service.consentRateLimited({}, "192.0.2.7", minute)))
      expect(results.filter((limited) => !limited)).toHaveLength(3)
    })

    it("confirms a number for every contact that asked for it with one YES, texting it once", async () => {
      const client = { ip: null, user_agent: null }
      await service.captureConsent(signUp({ email: "a@example.com", phone: "+14155550140" }), client, minute)
      await service.captureConsent(signUp({ email: "b@example.com", phone: "+14155550140" }), client, minute)
      await service.recordInboundSms({ From: "+14155550140", Body: "YES", MessageSid: "SMyes1" }, minute)
      expect(await service.smsConsentOf("+14155550140")).toBe("granted")
      // Both contacts asked for the one number; one YES from it confirms it for both.
      const contacts = await service.listContacts({ email: ["a@example.com", "b@example.com"] })
      expect(contacts.map((c) => c.phone)).toEqual(["+14155550140", "+14155550140"])
      expect(await service.listMessages({ to: "+14155550140" })).toHaveLength(1)
    })

    it("keeps an anonymous form from changing a known contact's phone, name or time zone", async () => {
      const client = { ip: null, user_agent: null }
      await service.captureConsent(
        signUp({ email: "kept@example.com", phone: "+14155550150", first_name: "Kim", timezone: "Europe/Berlin" }),
        client,
        minute
      )
      await service.captureConsent(
        signUp({ email: "kept@example.com", phone: "+14155550151", first_name: "Eve", last_name: "X", timezone: "Asia/Tokyo" }),
        client,
        minute
      )
      const [contact] = await service.listContacts({ email: "kept@example.com" })
      // What was unknown is filled in; what was known stays.
      expect(contact).toMatchObject({ phone: "+14155550150", first_name: "Kim", last_name: "X", timezone: "Europe/Berlin" })
    })
  },
})
