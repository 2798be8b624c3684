import { validateOptionsLoader } from "../loaders/validate-options"
import { parsePluginOptions } from "../options"

const valid = {
  storefrontUrl: "https://shop.example.com",
  secret: "a-secret-that-is-at-least-32-chars-long",
}

describe("plugin options", () => {
  it("fills in defaults and leaves out what Medusa injects", () => {
    const options = parsePluginOptions({
      ...valid,
      database: { clientUrl: "postgres://user:hunter2@db/medusa" },
    })
    expect(options).not.toHaveProperty("database")
    expect(JSON.stringify(options)).not.toContain("hunter2")
    expect(options.scheduler).toEqual({
      pollIntervalMs: 5000,
      batchSize: 50,
      concurrency: 100,
      leaseMs: 60_000,
      enabled: true,
      timeScale: 1,
      yieldToRequestsMs: 30_000,
    })
    expect(options.defaults.quietHours).toEqual({ start: "21:00", end: "08:00" })
    expect(options.backendUrl).toBe("http://localhost:9000")
    expect(options.smsDoubleOptIn).toBe(true)
  })

  it("keeps base URLs without their trailing slash, so links built on them have one slash", () => {
    const options = parsePluginOptions({ ...valid, storefrontUrl: "https://shop.example.com/", backendUrl: "https://api.example.com/" })
    expect([options.storefrontUrl, options.backendUrl]).toEqual(["https://shop.example.com", "https://api.example.com"])
  })

  it.each([
    [{ secret: valid.secret }, /storefrontUrl/],
    [{ ...valid, secret: "short" }, /secret: must be at least 32 characters/],
    [{ ...valid, storefrontURL: "https://x.example" }, /storefrontURL/],
    [{ ...valid, scheduler: { pollIntervalMs: 10 } }, /scheduler\.pollIntervalMs/],
    [{ ...valid, scheduler: { yieldToRequestsMs: -1 } }, /scheduler\.yieldToRequestsMs/],
    [{ ...valid, twilio: { accountSid: "AC" + "0".repeat(32), authToken: "t" } }, /twilio.*from or twilio\.messagingServiceSid/],
    [{ ...valid, sendgrid: { apiKey: "SG.x", from: { email: "not-an-email" } } }, /sendgrid\.from\.email/],
    [{ ...valid, defaults: { quietHours: { start: "25:00", end: "08:00" } } }, /defaults\.quietHours\.start/],
    [{ ...valid, smsConfirmationText: "{{ store.name  Reply YES" }, /smsConfirmationText: .*line 1, column 1/],
  ])("refuses %j, naming the option", (input, message) => {
    expect(() => parsePluginOptions(input)).toThrow(message)
  })

  it("fails start-up through the module loader", async () => {
    await expect(validateOptionsLoader({ options: { secret: valid.secret } } as any)).rejects.toThrow(
      /medusa-plugin-flows: invalid plugin options[\s\S]*storefrontUrl/
    )
  })
  it("fills in engagement defaults and refuses inconsistent engagement options", () => {
    expect(parsePluginOptions(valid).defaults.engagement).toEqual({
      lapsingAfter: { amount: 30, unit: "days" },
      unengagedAfter: { period: { amount: 90, unit: "days" }, messages: 5 },
      unengaged: { send: "marked_flows", capFactor: 3 },
    })
    const partial = parsePluginOptions({ ...valid, defaults: { engagement: { unengaged: { send: "stretched_cap" } } } })
    expect(partial.defaults.engagement.unengaged).toEqual({ send: "stretched_cap", capFactor: 3 })
    expect(() => parsePluginOptions({ ...valid, defaults: { engagement: { lapsingAfter: { amount: 120, unit: "days" } } } })).toThrow(
      /defaults\.engagement\.lapsingAfter/
    )
    expect(() => parsePluginOptions({ ...valid, defaults: { engagement: { unengaged: { send: "never" } } } })).toThrow(
      /defaults\.engagement\.unengaged\.send/
    )
  })
})
