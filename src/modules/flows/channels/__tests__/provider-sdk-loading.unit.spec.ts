import { parsePluginOptions } from "../../options"

const mockLoaded: string[] = []
for (const sdk of ["twilio", "@sendgrid/mail", "@sendgrid/eventwebhook", "bullmq"]) {
  jest.mock(sdk, () => {
    mockLoaded.push(sdk)
    return jest.requireActual(sdk)
  })
}

const required = {
  storefrontUrl: "https://shop.example.com",
  secret: "a-secret-of-at-least-thirty-two-characters",
}
const providers = {
  sendgrid: { apiKey: "SG.key", from: { email: "shop@example.com" } },
  twilio: { accountSid: `AC${"0".repeat(32)}`, authToken: "token", from: "+14155550100" },
  redisUrl: "redis://127.0.0.1:6379",
  rateLimits: { email: 10, sms: 1 },
}

/** What loading the module's channels and the webhook routes pulls in, in a fresh module registry. */
function sdksLoadedBy(load: () => void): string[] {
  mockLoaded.length = 0
  jest.isolateModules(load)
  return [...mockLoaded].sort()
}

describe("provider SDKs load only in a store that uses them", () => {
  it("a store on the sandbox outbox loads none, channels and webhook routes included", () => {
    const loaded = sdksLoadedBy(() => {
      const { createChannels } = require("../index") as typeof import("../index")
      const channels = createChannels(parsePluginOptions(required), async () => {})
      expect([channels.email.provider, channels.sms.provider]).toEqual(["sandbox", "sandbox"])
      require("../../../../api/hooks/flows/verify")
      require("../../../../api/hooks/flows/twilio/inbound/route")
      require("../../../../api/hooks/flows/sendgrid/route")
      require("../../../../api/hooks/flows/twilio/status/route")
    })
    expect(loaded).toEqual([])
  })

  it("a store with SendGrid, Twilio and Redis rate limits loads each when its channels are made", () => {
    const loaded = sdksLoadedBy(() => {
      const { createChannels } = require("../index") as typeof import("../index")
      expect(mockLoaded).toEqual([])
      const channels = createChannels(parsePluginOptions({ ...required, ...providers }), async () => {})
      expect([channels.email.provider, channels.sms.provider]).toEqual(["sendgrid", "twilio"])
    })
    expect(loaded).toEqual(["@sendgrid/mail", "bullmq", "twilio"])
  })
})
