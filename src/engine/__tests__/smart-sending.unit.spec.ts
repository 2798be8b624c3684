import { decideSend, type SendFacts } from "../send-policy"
import { nextSendOf, outranks, predictSend, smartSendingHold, type SmartSendingFacts } from "../smart-sending"
import { parseFlowDefinition } from "../definition"

const HOUR = 3_600_000
const t0 = new Date("2026-03-02T15:00:00Z")
const at = (hours: number) => new Date(t0.getTime() + hours * HOUR)

const smart = (overrides: Partial<SmartSendingFacts> = {}): SmartSendingFacts => ({
  run_id: "run_b",
  due_at: t0,
  priority: 40,
  exempt: false,
  when_held: "skip",
  total_cap: { max: 3, window_ms: 24 * HOUR },
  channel_cap: { max: 1, window_ms: 16 * HOUR },
  overlap_ms: 2 * HOUR,
  recent: [],
  pending: [],
  ...overrides,
})

const email = (overrides: Partial<SmartSendingFacts> = {}, channel: "email" | "sms" = "email"): SendFacts => ({
  channel,
  flow_id: "flow_welcome",
  to: channel === "email" ? "ann@example.com" : "+14155550100",
  invalid_recipient: null,
  consent: { email: "granted", phone: "granted", unsubscribed_flows: [] },
  email_policy: "opt_out",
  quiet_hours: { start: "21:00", end: "08:00" },
  timezone: "America/New_York",
  cap: { sent: 0, max: 3 },
  smart: smart(overrides),
})

describe("smart sending", () => {
  it("sends when nothing competes and the caps have room", () => {
    expect(decideSend(email(), t0)).toEqual({ action: "send", to: "ann@example.com" })
  })

  it("caps each channel on its own: an email after an email is held, a text after an email goes", () => {
    const recent = [{ at: at(-3), channel: "email" as const, flow_id: "flow_cart", priority: 80 }]
    expect(decideSend(email({ recent }), t0)).toEqual({ action: "skip", reason: "email cap reached (1 per 16 h)" })
    expect(decideSend(email({ recent }, "sms"), t0)).toEqual({ action: "send", to: "+14155550100" })
    // The cap's window is over 16 h after the earlier email: the step that waits goes then.
    expect(decideSend(email({ recent, when_held: "wait" }), t0)).toEqual({ action: "defer", until: at(13), reason: "frequency_cap" })
  })

  it("keeps the cross-flow maximum across channels", () => {
    const recent = [1, 2, 3].map((h) => ({ at: at(-h), channel: "sms" as const, flow_id: `flow_${h}`, priority: 10 }))
    const facts = email({ recent, channel_cap: null, overlap_ms: 0, when_held: "wait" })
    // The oldest of the three (3 h ago) leaves the 24 h window in 21 h.
    expect(decideSend(facts, t0)).toEqual({ action: "defer", until: at(21), reason: "frequency_cap" })
  })

  it("neither caps nor holds back an exempt message", () => {
    const recent = [{ at: at(-1), channel: "email" as const, flow_id: "flow_cart", priority: 80 }]
    const pending = [{ run_id: "run_a", flow_id: "flow_cart", channel: "email" as const, priority: 80, at: t0 }]
    expect(decideSend(email({ recent, pending, exempt: true }), t0).action).toBe("send")
  })

  it("yields to a higher-priority flow's message due within the overlap window, and waits or skips as its step says", () => {
    const pending = [{ run_id: "run_a", flow_id: "flow_cart", channel: "email" as const, priority: 80, at: at(1) }]
    expect(decideSend(email({ pending }), t0)).toEqual({ action: "skip", reason: "held for a higher-priority flow's message (flow_cart)" })
    expect(decideSend(email({ pending, when_held: "wait" }), t0)).toEqual({ action: "defer", until: at(3), reason: "priority" })
    // Beyond the window, or on the other channel, it does not compete; a lower-priority one never holds it.
    expect(decideSend(email({ pending: [{ ...pending[0], at: at(3) }] }), t0).action).toBe("send")
    expect(decideSend(email({ pending: [{ ...pending[0], channel: "sms" }] }), t0).action).toBe("send")
    expect(decideSend(email({ pending: [{ ...pending[0], priority: 10 }] }), t0).action).toBe("send")
  })

  it("lets the higher-priority flow's message go over a lower one sent just before, within the caps", () => {
    const recent = [{ at: at(-1), channel: "email" as const, flow_id: "flow_welcome", priority: 40 }]
    const cart = email({ recent, priority: 80, channel_cap: { max: 2, window_ms: 16 * HOUR } })
    expect(decideSend({ ...cart, flow_id: "flow_cart" }, t0).action).toBe("send")
    // The other way round, the lower one meets the higher one's message: it waits the window out.
    const welcome = email({ recent: [{ ...recent[0], flow_id: "flow_cart", priority: 80 }], when_held: "wait", channel_cap: null })
    expect(decideSend(welcome, t0)).toEqual({ action: "defer", until: at(1), reason: "priority" })
  })

  it("ranks flows of equal priority by due time, then run id, so two workers never both yield", () => {
    const a = { priority: 50, at: t0, run_id: "run_a" }
    const b = { priority: 50, at: t0, run_id: "run_b" }
    expect([outranks(a, b), outranks(b, a)]).toEqual([true, false])
    expect(outranks({ ...b, at: at(-1) }, a)).toBe(true)
    expect(outranks({ ...a, priority: 40 }, b)).toBe(false)
  })

  it("holds a text in quiet hours before anything else, and a zero overlap window turns competition off", () => {
    const night = new Date("2026-03-03T03:00:00Z")
    expect(decideSend(email({}, "sms"), night)).toMatchObject({ action: "defer", reason: "quiet_hours" })
    const pending = [{ run_id: "run_a", flow_id: "flow_cart", channel: "email" as const, priority: 80, at: t0 }]
    expect(smartSendingHold({ ...smart({ pending, overlap_ms: 0 }), channel: "email", flow_id: "flow_welcome" }, t0)).toBeNull()
  })
})

describe("nextSendOf", () => {
  const definition = parseFlowDefinition({
    trigger: { event: "cart.updated" },
    steps: [
      { id: "idle", type: "wait", duration: { amount: 1, unit: "hours" } },
      { id: "mail", type: "send_email", template: { subject: "Hi", html: "<p>Hi</p>" } },
      { id: "later", type: "wait", duration: { amount: 1, unit: "days" }, until_time: "10:00" },
      { id: "text", type: "send_sms", template: { body: "Hi" }, when_held: "wait" },
      { id: "check", type: "condition", if: { all: [{ field: "cart.total", op: "gt", value: 0 }] }, then: [], else: [] },
    ],
  })

  it("follows waits to the next send step and its due time", () => {
    const fresh = { id: "run_1", step_id: null, step_entered_at: t0, next_run_at: t0, timezone: "UTC" }
    expect(nextSendOf(definition, fresh, t0)).toMatchObject({ step_id: "mail", channel: "email", at: at(1) })
    const afterMail = { ...fresh, step_id: "later", step_entered_at: at(1), next_run_at: null }
    // A day after 16:00Z, then on to 10:00 the next morning.
    expect(nextSendOf(definition, afterMail, t0)).toMatchObject({ step_id: "text", at: new Date("2026-03-04T10:00:00Z") })
  })

  it("takes a run parked at a send step as due when it wakes, and foresees nothing past a condition", () => {
    const parked = { id: "run_1", step_id: "text", step_entered_at: t0, next_run_at: at(5), timezone: "UTC" }
    expect(nextSendOf(definition, parked, t0)).toMatchObject({ step_id: "text", at: at(5) })
    expect(nextSendOf(definition, { ...parked, step_id: "check" }, t0)).toBeNull()
  })
})

describe("predictSend", () => {
  it("applies the decision at each time it defers to: the overlap window, then the cap", () => {
    const recent = [{ at: at(-1), channel: "email" as const, flow_id: "flow_cart", priority: 80 }]
    const facts = email({ recent, when_held: "wait" })
    expect(predictSend(facts, t0, t0, decideSend)).toEqual({ at: at(15), held_by: ["priority", "frequency_cap"] })
  })

  it("counts a higher-priority message due first as sent, and gives the skip reason of a step that skips", () => {
    const pending = [{ run_id: "run_a", flow_id: "flow_cart", channel: "email" as const, priority: 80, at: at(4) }]
    // Due at 5 h, after the cart's email at 4 h: the overlap window runs to 6 h, the email cap to 20 h.
    expect(predictSend(email({ pending, when_held: "wait", due_at: at(5) }), at(5), t0, decideSend)).toEqual({
      at: at(20),
      held_by: ["priority", "frequency_cap"],
    })
    expect(predictSend(email({ pending, due_at: at(5) }), at(5), t0, decideSend)).toEqual({
      skipped: "held for a higher-priority flow's message (flow_cart)",
      at: at(5),
    })
  })

  it("moves a text out of quiet hours", () => {
    const night = new Date("2026-03-03T03:00:00Z")
    // 22:00 in New York: quiet until 08:00 local, 13:00Z.
    expect(predictSend(email({}, "sms"), night, t0, decideSend)).toEqual({ at: new Date("2026-03-03T13:00:00Z"), held_by: ["quiet_hours"] })
  })
})
