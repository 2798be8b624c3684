import { decideSend, type SendFacts } from "../send-policy"

const noon = new Date("2026-03-02T17:00:00Z")
const night = new Date("2026-03-02T03:00:00Z")

const text = (overrides: Partial<SendFacts> = {}): SendFacts => ({
  channel: "sms",
  flow_id: "flow_1",
  to: "+14155550100",
  invalid_recipient: null,
  consent: { email: null, phone: "granted", unsubscribed_flows: [] },
  email_policy: "opt_out",
  quiet_hours: { start: "21:00", end: "08:00" },
  timezone: "America/New_York",
  cap: { sent: 0, max: 3 },
  ...overrides,
})

describe("decideSend", () => {
  it("sends to the recipient when consent, the clock and the cap allow", () => {
    expect(decideSend(text(), noon)).toEqual({ action: "send", to: "+14155550100" })
  })

  it("skips a text to a number that has not itself consented", () => {
    expect(decideSend(text({ consent: { email: "granted", phone: null, unsubscribed_flows: [] } }), noon)).toEqual({
      action: "skip",
      reason: "no SMS consent for this number",
    })
    expect(decideSend(text({ consent: { email: null, phone: "pending", unsubscribed_flows: [] } }), noon).action).toBe("skip")
    expect(decideSend(text({ invalid_recipient: "invalid phone number: +1415" }), noon)).toEqual({
      action: "skip",
      reason: "invalid phone number: +1415",
    })
  })

  it("holds a text until the end of the recipient's quiet hours, but not an email", () => {
    // 03:00Z is 22:00 in New York: quiet until 08:00 local, 13:00Z.
    expect(decideSend(text(), night)).toEqual({ action: "defer", until: new Date("2026-03-02T13:00:00Z"), reason: "quiet_hours" })
    const email = text({ channel: "email", to: "ann@example.com", consent: { email: "unknown", phone: null, unsubscribed_flows: [] } })
    expect(decideSend(email, night)).toEqual({ action: "send", to: "ann@example.com" })
    expect(decideSend(text({ quiet_hours: null }), night).action).toBe("send")
  })

  it("refuses before it defers: an unsubscribed text is skipped at night, not held", () => {
    expect(decideSend(text({ consent: { email: null, phone: "unsubscribed", unsubscribed_flows: [] } }), night)).toEqual({
      action: "skip",
      reason: "unsubscribed from sms",
    })
  })

  it("skips past the frequency cap, and email under the opt-in policy without consent or for a stopped flow", () => {
    expect(decideSend(text({ cap: { sent: 3, max: 3 } }), noon)).toEqual({ action: "skip", reason: "frequency cap reached" })
    const email = (consent: SendFacts["consent"], policy: SendFacts["email_policy"] = "opt_out") =>
      decideSend(text({ channel: "email", to: "ann@example.com", consent, email_policy: policy }), noon)
    expect(email({ email: "unknown", phone: null, unsubscribed_flows: [] }, "opt_in")).toEqual({
      action: "skip",
      reason: "no email consent",
    })
    expect(email({ email: "granted", phone: null, unsubscribed_flows: ["flow_1"] })).toEqual({
      action: "skip",
      reason: "unsubscribed from this flow",
    })
    expect(email({ email: null, phone: null, unsubscribed_flows: [] }).action).toBe("send")
  })
})
