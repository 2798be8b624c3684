import { decideSend, suppressionRefusal, type SendFacts } from "../send-policy"

const noon = new Date("2026-03-02T17:00:00Z")
const night = new Date("2026-03-02T03:00:00Z")

const facts = (overrides: Partial<SendFacts> = {}): SendFacts => ({
  channel: "sms",
  flow_id: "flow_1",
  to: "+14155550100",
  invalid_recipient: null,
  consent: { email: "granted", phone: "granted", unsubscribed_flows: [] },
  email_policy: "opt_out",
  quiet_hours: { start: "21:00", end: "08:00" },
  timezone: "America/New_York",
  cap: { sent: 0, max: 3 },
  ...overrides,
})

describe("suppression in the send policy", () => {
  it("skips a suppressed number or address even with consent granted", () => {
    expect(decideSend(facts({ suppressed: true }), noon)).toEqual({
      action: "skip",
      reason: "number is suppressed (marketing data erased)",
    })
    const email = facts({ channel: "email", to: "ann@example.com", suppressed: true })
    expect(decideSend(email, noon)).toEqual({ action: "skip", reason: "address is suppressed (marketing data erased)" })
  })

  it("refuses a suppressed text at night instead of holding it for the morning", () => {
    expect(decideSend(facts({ suppressed: true }), night).action).toBe("skip")
  })

  it("sends when the flag is false or absent", () => {
    expect(suppressionRefusal({ channel: "email", suppressed: false })).toBeNull()
    expect(suppressionRefusal({ channel: "sms" })).toBeNull()
    expect(decideSend(facts({ suppressed: false }), noon)).toEqual({ action: "send", to: "+14155550100" })
  })
})
