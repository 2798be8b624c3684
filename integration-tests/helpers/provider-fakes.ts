import { FakeSendGrid } from "../fakes/sendgrid"
import { FakeTwilio } from "../fakes/twilio"

/**
 * The SendGrid and Twilio fakes, started before the store boots (its options point at them, with the
 * webhook keys they sign with) and stopped after. `options` are merged into the plugin's options.
 */
export function useProviderFakes(options: Record<string, unknown> = {}) {
  const sendgrid = new FakeSendGrid()
  const twilio = new FakeTwilio()
  beforeAll(async () => {
    await Promise.all([sendgrid.start(), twilio.start()])
    process.env.FLOWS_TEST_OPTIONS = JSON.stringify({
      sendgrid: {
        apiKey: sendgrid.apiKey,
        from: { email: "shop@example.com", name: "Test Store" },
        apiBaseUrl: sendgrid.url,
        webhookVerificationKey: sendgrid.verificationKey,
      },
      twilio: { accountSid: twilio.accountSid, authToken: twilio.authToken, from: "+15005550006", apiBaseUrl: twilio.url },
      ...options,
    })
  })
  afterAll(async () => {
    delete process.env.FLOWS_TEST_OPTIONS
    await Promise.all([sendgrid.stop(), twilio.stop()])
  })
  return { sendgrid, twilio }
}
