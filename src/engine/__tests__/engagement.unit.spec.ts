import { choosePreferredChannel, engagementLevel, engagementRefusal, type EngagementCounts, type EngagementSendFact } from "../engagement"
import { decideSend, type SendFacts } from "../send-policy"
import { parseFlowDefinition } from "../definition"
import { templateIssuesOf } from "../step-templates"

const DAY = 86_400_000
const now = new Date("2026-06-01T12:00:00Z")
const daysAgo = (n: number) => new Date(now.getTime() - n * DAY)
const rules = { lapsing_after_ms: 30 * DAY, unengaged_after_ms: 90 * DAY, unengaged_after_messages: 5 }

const counts = (overrides: Partial<EngagementCounts> = {}): EngagementCounts => ({
  last_engaged_at: null,
  messages_since: 0,
  known_since: daysAgo(200),
  by_channel: { email: 0, sms: 0 },
  ...overrides,
})

describe("engagementLevel", () => {
  it("calls a recent engagement engaged, an older one lapsing", () => {
    expect(engagementLevel(counts({ last_engaged_at: daysAgo(2) }), rules, now)).toBe("engaged")
    expect(engagementLevel(counts({ last_engaged_at: daysAgo(45) }), rules, now)).toBe("lapsing")
  })

  it("calls a contact unengaged after the period without engagement, or after N messages since the last", () => {
    expect(engagementLevel(counts({ last_engaged_at: daysAgo(90) }), rules, now)).toBe("unengaged")
    expect(engagementLevel(counts({ last_engaged_at: daysAgo(1), messages_since: 5 }), rules, now)).toBe("unengaged")
    expect(engagementLevel(counts({ last_engaged_at: daysAgo(1), messages_since: 4 }), rules, now)).toBe("engaged")
  })

  it("gives a contact who never engaged the benefit of the doubt until the period or the messages run out", () => {
    expect(engagementLevel(counts({ known_since: daysAgo(10), messages_since: 2 }), rules, now)).toBe("new")
    expect(engagementLevel(counts({ known_since: daysAgo(10), messages_since: 5 }), rules, now)).toBe("unengaged")
    expect(engagementLevel(counts({ known_since: daysAgo(91) }), rules, now)).toBe("unengaged")
  })

  it("lets the period alone decide when the message count is off", () => {
    const periodOnly = { ...rules, unengaged_after_messages: null }
    expect(engagementLevel(counts({ last_engaged_at: daysAgo(1), messages_since: 500 }), periodOnly, now)).toBe("engaged")
  })
})

describe("engagementRefusal", () => {
  const fact = (overrides: Partial<EngagementSendFact> = {}): EngagementSendFact => ({
    level: "unengaged",
    send_to_unengaged: false,
    policy: "marked_flows",
    stretched_cap: null,
    ...overrides,
  })

  it("refuses an unengaged contact a flow not marked for them, with the marked_flows policy", () => {
    expect(engagementRefusal(fact())).toMatch(/unengaged/)
    expect(engagementRefusal(fact({ send_to_unengaged: true }))).toBeNull()
    expect(engagementRefusal(fact({ level: "lapsing" }))).toBeNull()
    expect(engagementRefusal(fact({ level: "new" }))).toBeNull()
    expect(engagementRefusal(fact({ policy: "all" }))).toBeNull()
    expect(engagementRefusal(null)).toBeNull()
  })

  it("holds an unengaged contact to the stretched cap, with the stretched_cap policy", () => {
    expect(engagementRefusal(fact({ policy: "stretched_cap", stretched_cap: { sent: 0, max: 1 } }))).toBeNull()
    expect(engagementRefusal(fact({ policy: "stretched_cap", stretched_cap: { sent: 1, max: 1 } }))).toMatch(/unengaged contacts/)
  })

  it("is one of decideSend's refusals", () => {
    const email: SendFacts = {
      channel: "email",
      flow_id: "flow_1",
      to: "a@example.com",
      invalid_recipient: null,
      consent: { email: "granted", phone: null, unsubscribed_flows: [] },
      email_policy: "opt_out",
      quiet_hours: null,
      timezone: "UTC",
      cap: { sent: 0, max: 3 },
    }
    expect(decideSend({ ...email, engagement: fact() }, now)).toEqual({
      action: "skip",
      reason: "contact is unengaged and this flow is not marked send_to_unengaged",
    })
    expect(decideSend({ ...email, engagement: fact({ level: "engaged" }) }, now)).toEqual({ action: "send", to: "a@example.com" })
  })
})

describe("choosePreferredChannel", () => {
  const none = { email: null, sms: null }
  it("takes the stated preference first, then the channel engaged with, then email", () => {
    expect(choosePreferredChannel({ stated: "sms", engagement: { email: 9, sms: 0 }, refusal: none })).toEqual({
      channel: "sms",
      because: "stated",
    })
    expect(choosePreferredChannel({ stated: null, engagement: { email: 1, sms: 3 }, refusal: none })).toEqual({
      channel: "sms",
      because: "engagement",
    })
    expect(choosePreferredChannel({ stated: null, engagement: { email: 0, sms: 0 }, refusal: none })).toEqual({
      channel: "email",
      because: "default",
    })
  })

  it("falls back to the other channel only when that one has consent", () => {
    const noSms = { email: null, sms: "no SMS consent for this number" }
    expect(choosePreferredChannel({ stated: "sms", engagement: { email: 0, sms: 0 }, refusal: noSms })).toEqual({
      channel: "email",
      because: "fallback",
    })
    const neither = { email: "unsubscribed from email", sms: "no SMS consent for this number" }
    expect(choosePreferredChannel({ stated: "sms", engagement: { email: 0, sms: 0 }, refusal: neither })).toEqual({
      channel: "sms",
      because: "stated",
    })
  })
})

describe("preferred-channel steps and send_to_unengaged in a definition", () => {
  const definition = {
    trigger: { event: "customer.inactive", inactive_for: { amount: 60, unit: "days" } },
    send_to_unengaged: true,
    steps: [
      {
        id: "hello",
        type: "send_preferred",
        email: { subject: "We miss you", html: "<p>{{ customer.first_name }}</p>" },
        sms: { body: "{{ store.name: we miss you" },
      },
    ],
  }

  it("parses, and template problems are located on the step's channel", () => {
    const parsed = parseFlowDefinition(definition)
    expect(parsed.send_to_unengaged).toBe(true)
    expect(templateIssuesOf(parsed).map((issue) => issue.path)).toEqual(["steps.hello.sms.body"])
  })

  it("needs both templates", () => {
    expect(() => parseFlowDefinition({ ...definition, steps: [{ ...definition.steps[0], sms: undefined }] })).toThrow(/sms/)
  })
})
