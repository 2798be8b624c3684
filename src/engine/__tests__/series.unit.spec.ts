import {
  contactTimezone,
  countryZones,
  decide,
  decideEntry,
  parseFlowDefinition,
  quietHoursEnd,
  runsPerContact,
  timezoneFromAddress,
  type FlowDefinition,
} from ".."

const NOW = new Date("2026-03-02T10:00:00Z")
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000)
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000)

const cartFlow = (reentry: unknown) =>
  parseFlowDefinition({
    trigger: { event: "cart.updated" },
    reentry,
    steps: [{ id: "wait", type: "wait", duration: { amount: 1, unit: "hours" } }],
  })

describe("re-entry scoped to the person", () => {
  const person = cartFlow({ mode: "cooldown", cooldown: { amount: 7, unit: "days" }, scope: "person" })
  const perCart = cartFlow({ mode: "cooldown", cooldown: { amount: 7, unit: "days" } })
  const decideFor = (definition: FlowDefinition, over: Partial<Parameters<typeof decideEntry>[0]>) =>
    decideEntry({ definition, event: { id: "cart_b", created_at: minutesAgo(1) }, active: null, history: [], now: NOW, ...over })

  it("runs per person when the rule says so, per subject otherwise", () => {
    expect(runsPerContact(person)).toBe(true)
    expect(runsPerContact(perCart)).toBe(false)
    expect(() => cartFlow({ mode: "once", scope: "household" })).toThrow(/scope/)
  })

  it("moves the person's running series to their newer cart instead of starting a second one", () => {
    expect(decideFor(person, { active: { id: "cart_a", created_at: minutesAgo(2) } })).toEqual({ action: "follow" })
  })

  it("leaves the series on its cart when the event is about an older cart, or about the same one", () => {
    expect(
      decideFor(person, { event: { id: "cart_a", created_at: minutesAgo(5) }, active: { id: "cart_b", created_at: minutesAgo(1) } })
    ).toEqual({
      action: "stay",
      reason: "older_subject",
    })
    expect(decideFor(person, { active: { id: "cart_b", created_at: minutesAgo(1) } })).toEqual({ action: "stay", reason: "already_active" })
  })

  it("takes the later event's cart as the newer one when a creation time is unknown (a run started before the scope)", () => {
    expect(decideFor(person, { active: { id: "cart_a", created_at: null } })).toEqual({ action: "follow" })
    expect(decideFor(person, { event: { id: "cart_b" }, active: { id: "cart_a", created_at: minutesAgo(2) } })).toEqual({
      action: "follow",
    })
  })

  it("never follows another subject when scoped to each subject: that subject has its own run", () => {
    expect(decideFor(perCart, { active: { id: "cart_a", created_at: minutesAgo(2) } })).toEqual({
      action: "stay",
      reason: "already_active",
    })
  })

  it("does not follow an event that is about no cart or order (a sign-up)", () => {
    expect(decideFor(person, { event: { id: null }, active: { id: "cart_a" } })).toEqual({ action: "stay", reason: "already_active" })
  })

  it("counts the cooldown over the person's earlier runs", () => {
    expect(decideFor(person, { history: [{ status: "exited", started_at: daysAgo(3) }] })).toEqual({ action: "refuse", reason: "cooldown" })
    expect(decideFor(person, { history: [{ status: "exited", started_at: daysAgo(8) }] })).toEqual({ action: "enter" })
    expect(
      decideFor(cartFlow({ mode: "once", scope: "person" }), { history: [{ status: "completed", started_at: daysAgo(300) }] })
    ).toEqual({
      action: "refuse",
      reason: "already_entered",
    })
  })
})

describe("time zone from the address", () => {
  it.each([
    [{ country_code: "fr" }, "Europe/Paris"],
    [{ country_code: "GB", city: "Leeds" }, "Europe/London"],
    [{ country_code: "us", province: "NY" }, "America/New_York"],
    [{ country_code: "us", province: "us-ca" }, "America/Los_Angeles"],
    [{ country_code: "US", province: "Texas" }, "America/Chicago"],
    [{ country_code: "us", province: "TX", city: "El Paso" }, "America/Denver"],
    [{ country_code: "us", province: "AZ" }, "America/Phoenix"],
    [{ country_code: "us", province: "HI" }, "Pacific/Honolulu"],
    [{ country_code: "ca", province: "Québec" }, "America/Montreal"],
    [{ country_code: "ca", province: "bc" }, "America/Vancouver"],
    [{ country_code: "au", province: "WA" }, "Australia/Perth"],
    [{ country_code: "au", province: "New South Wales" }, "Australia/Sydney"],
    [{ country_code: "br", province: "SP" }, "America/Sao_Paulo"],
  ])("%j is in %s", (address, zone) => {
    expect(timezoneFromAddress(address, "UTC")).toBe(zone)
  })

  it("tells nothing for an unknown country or no address", () => {
    expect(timezoneFromAddress({ country_code: "xx" }, "UTC")).toBeNull()
    expect(timezoneFromAddress({ province: "NY" }, "UTC")).toBeNull()
    expect(timezoneFromAddress(null, "UTC")).toBeNull()
  })

  it("leaves a country of several zones without a state to the store's zone when it is one of them", () => {
    expect(countryZones("us")).toContain("America/Chicago")
    expect(timezoneFromAddress({ country_code: "us" }, "America/Chicago")).toBeNull()
    // A store elsewhere: the zone most of the country's people live in is the better guess.
    expect(timezoneFromAddress({ country_code: "us" }, "Europe/Berlin")).toBe("America/New_York")
  })

  it("prefers the zone the contact gave, then the address's, then the store's", () => {
    expect(contactTimezone({ timezone: "Asia/Tokyo", address_timezone: "America/New_York" }, "UTC")).toEqual({
      timezone: "Asia/Tokyo",
      source: "contact",
    })
    expect(contactTimezone({ timezone: null, address_timezone: "America/New_York" }, "UTC")).toEqual({
      timezone: "America/New_York",
      source: "address",
    })
    expect(contactTimezone({ timezone: "Not/AZone", address_timezone: null }, "Europe/Paris")).toEqual({
      timezone: "Europe/Paris",
      source: "store",
    })
    expect(contactTimezone(null, "UTC")).toEqual({ timezone: "UTC", source: "store" })
  })
})

describe("local time around daylight saving changes, for a zone found from the address", () => {
  const eastern = contactTimezone(
    { address_timezone: timezoneFromAddress({ country_code: "us", province: "NY", city: "Albany" }, "UTC") },
    "UTC"
  ).timezone
  const paris = contactTimezone({ address_timezone: timezoneFromAddress({ country_code: "fr", city: "Lyon" }, "UTC") }, "UTC").timezone
  const quiet = { start: "21:00", end: "08:00" }
  const morning = parseFlowDefinition({
    trigger: { event: "cart.updated" },
    steps: [
      { id: "next-morning", type: "wait", until_time: "09:00" },
      { id: "email", type: "send_email", template: { subject: "Hi", html: "<p>Hi</p>" } },
    ],
  })
  const waitUntil = (enteredAt: string, timezone: string) => {
    const decision = decide(morning, { id: "run", step_id: null, step_entered_at: new Date(enteredAt), timezone }, {}, new Date(enteredAt))
    expect(decision.type).toBe("wait")
    return decision.type === "wait" ? decision.until.toISOString() : null
  }

  it("finds the zones", () => {
    expect([eastern, paris]).toEqual(["America/New_York", "Europe/Paris"])
  })

  // US clocks went forward on Sunday 8 March 2026 and back on Sunday 1 November 2026.
  it.each([
    ["2026-03-07T03:00:00Z", "2026-03-07T13:00:00Z"], // Fri 22:00 EST: quiet until Sat 08:00 EST
    ["2026-03-08T03:00:00Z", "2026-03-08T12:00:00Z"], // Sat 22:00 EST: quiet until Sun 08:00 EDT
    ["2026-10-31T02:00:00Z", "2026-10-31T12:00:00Z"], // Fri 22:00 EDT: quiet until Sat 08:00 EDT
    ["2026-11-01T02:00:00Z", "2026-11-01T13:00:00Z"], // Sat 22:00 EDT: quiet until Sun 08:00 EST
  ])("US Eastern: quiet hours at %s end at %s", (now, end) => {
    expect(quietHoursEnd(new Date(now), quiet, eastern)?.toISOString()).toBe(new Date(end).toISOString())
  })

  it.each([
    ["2026-03-07T15:00:00Z", "2026-03-08T13:00:00.000Z"], // Sat 10:00 EST: Sun 09:00 EDT
    ["2026-03-06T15:00:00Z", "2026-03-07T14:00:00.000Z"], // Fri 10:00 EST: Sat 09:00 EST
    ["2026-10-31T14:00:00Z", "2026-11-01T14:00:00.000Z"], // Sat 10:00 EDT: Sun 09:00 EST
    ["2026-10-30T14:00:00Z", "2026-10-31T13:00:00.000Z"], // Fri 10:00 EDT: Sat 09:00 EDT
  ])("US Eastern: a wait until 09:00 entered at %s ends at %s", (enteredAt, until) => {
    expect(waitUntil(enteredAt, eastern)).toBe(until)
  })

  // EU clocks went forward on Sunday 29 March 2026 and back on Sunday 25 October 2026.
  it.each([
    ["2026-03-28T10:00:00Z", "2026-03-29T07:00:00.000Z"], // Sat 11:00 CET: Sun 09:00 CEST
    ["2026-03-27T10:00:00Z", "2026-03-28T08:00:00.000Z"], // Fri 11:00 CET: Sat 09:00 CET
    ["2026-10-24T10:00:00Z", "2026-10-25T08:00:00.000Z"], // Sat 12:00 CEST: Sun 09:00 CET
    ["2026-10-23T10:00:00Z", "2026-10-24T07:00:00.000Z"], // Fri 12:00 CEST: Sat 09:00 CEST
  ])("Paris: a wait until 09:00 entered at %s ends at %s", (enteredAt, until) => {
    expect(waitUntil(enteredAt, paris)).toBe(until)
  })

  it.each([
    ["2026-03-28T21:00:00Z", "2026-03-29T06:00:00Z"], // Sat 22:00 CET: quiet until Sun 08:00 CEST
    ["2026-10-24T20:00:00Z", "2026-10-25T07:00:00Z"], // Sat 22:00 CEST: quiet until Sun 08:00 CET
  ])("Paris: quiet hours at %s end at %s", (now, end) => {
    expect(quietHoursEnd(new Date(now), quiet, paris)?.toISOString()).toBe(new Date(end).toISOString())
  })
})
