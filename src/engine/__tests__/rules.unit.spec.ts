import {
  activityFingerprint,
  canEnter,
  evaluate,
  exitEventMatches,
  FlowDefinitionError,
  parseFlowDefinition,
  quietHoursEnd,
  runsPerContact,
  shouldRestartWait,
  triggerEvents,
} from ".."

const NOW = new Date("2026-03-02T10:00:00Z")
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000)

describe("conditions", () => {
  const facts = {
    cart: { email: "Ann@Example.com", total: "120.5", items: [{ title: "Mug" }], tags: ["vip"], created_at: "2026-03-01T00:00:00Z" },
    customer: { has_account: false },
  }

  it.each([
    [{ field: "cart.total", op: "gt", value: 100 }, true],
    [{ field: "cart.total", op: "lte", value: 100 }, false],
    [{ field: "cart.items.0.title", op: "eq", value: "Mug" }, true],
    [{ field: "cart.email", op: "contains", value: "example.com" }, true],
    [{ field: "cart.tags", op: "contains", value: "vip" }, true],
    [{ field: "customer.has_account", op: "eq", value: false }, true],
    [{ field: "customer.has_account", op: "in", value: [true] }, false],
    [{ field: "customer.has_account", op: "not_in", value: [true] }, true],
    [{ field: "cart.created_at", op: "lt", value: "2026-03-02T00:00:00Z" }, true],
    [{ field: "cart.missing", op: "gt", value: 1 }, false],
    [{ field: "cart.missing", op: "neq", value: 1 }, true],
    [{ field: "cart.missing.deeper", op: "exists" }, false],
    [{ field: "order.id", op: "not_exists" }, true],
    [{ field: "cart.email", op: "gt", value: 3 }, false],
  ] as const)("%j is %s", (condition, expected) => {
    expect(evaluate(condition as any, facts)).toBe(expected)
  })

  it("combines groups with all and any, nested", () => {
    const yes = { field: "cart.total", op: "gt", value: 1 } as const
    const no = { field: "cart.total", op: "lt", value: 1 } as const
    expect(evaluate({ all: [yes, { any: [no, yes] }] }, facts)).toBe(true)
    expect(evaluate({ all: [yes, { any: [no, no] }] }, facts)).toBe(false)
    expect(evaluate({ any: [] }, facts)).toBe(false)
    expect(evaluate({ all: [] }, facts)).toBe(true)
  })
})

describe("re-entry", () => {
  it("blocks while a run is active, whatever the rule", () => {
    expect(canEnter({ mode: "always" }, [{ status: "active", started_at: daysAgo(9) }], NOW)).toEqual({
      ok: false,
      reason: "already_active",
    })
  })

  it("lets a subject in once by default", () => {
    expect(canEnter(undefined, [], NOW)).toEqual({ ok: true })
    expect(canEnter(undefined, [{ status: "completed", started_at: daysAgo(400) }], NOW)).toEqual({ ok: false, reason: "already_entered" })
  })

  it("lets a subject in again after the cooldown", () => {
    const rule = { mode: "cooldown" as const, cooldown: { amount: 30, unit: "days" as const } }
    expect(canEnter(rule, [{ status: "exited", started_at: daysAgo(10) }], NOW)).toEqual({ ok: false, reason: "cooldown" })
    expect(canEnter(rule, [{ status: "exited", started_at: daysAgo(31) }], NOW)).toEqual({ ok: true })
  })

  it("shortens the cooldown with the time scale", () => {
    const rule = { mode: "cooldown" as const, cooldown: { amount: 30, unit: "days" as const } }
    // At 360x, 30 days pass in 2 hours.
    const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000)
    expect(canEnter(rule, [{ status: "exited", started_at: minutesAgo(119) }], NOW, 360)).toEqual({ ok: false, reason: "cooldown" })
    expect(canEnter(rule, [{ status: "exited", started_at: minutesAgo(121) }], NOW, 360)).toEqual({ ok: true })
  })

  it("always lets a finished subject in again", () => {
    expect(canEnter({ mode: "always" }, [{ status: "completed", started_at: daysAgo(0) }], NOW)).toEqual({ ok: true })
  })
})

describe("exit events", () => {
  const definition = parseFlowDefinition({
    trigger: { event: "cart.updated" },
    exit: { events: [{ event: "order.placed" }, { event: "order.canceled", match: ["order_id"] }] },
    steps: [{ id: "s", type: "exit" }],
  })

  it("matches on any shared identifier, emails without regard to case", () => {
    const run = { cart_id: "cart_1", customer_id: "cus_1", email: "ann@example.com" }
    expect(exitEventMatches(definition, { name: "order.placed", cart_id: "cart_1" }, run)).toBe(true)
    expect(exitEventMatches(definition, { name: "order.placed", customer_id: "cus_1" }, run)).toBe(true)
    expect(exitEventMatches(definition, { name: "order.placed", email: " ANN@example.com" }, run)).toBe(true)
    expect(exitEventMatches(definition, { name: "order.placed", cart_id: "cart_2", email: "bob@example.com" }, run)).toBe(false)
    expect(exitEventMatches(definition, { name: "order.updated", cart_id: "cart_1" }, run)).toBe(false)
  })

  it("matches only on the keys an exit event lists", () => {
    const run = { order_id: "order_1", customer_id: "cus_1" }
    expect(exitEventMatches(definition, { name: "order.canceled", order_id: "order_2", customer_id: "cus_1" }, run)).toBe(false)
    expect(exitEventMatches(definition, { name: "order.canceled", order_id: "order_1" }, run)).toBe(true)
  })

  it("never matches on identifiers both sides lack", () => {
    expect(exitEventMatches(definition, { name: "order.placed", cart_id: null }, { cart_id: null })).toBe(false)
  })
})

describe("definition validation", () => {
  const issuesOf = (input: unknown) => {
    try {
      parseFlowDefinition(input)
    } catch (error) {
      return (error as FlowDefinitionError).issues
    }
    throw new Error("expected the definition to be refused")
  }
  const base = { trigger: { event: "cart.updated" } }

  it("names duplicate step ids, even inside branches", () => {
    const issues = issuesOf({
      ...base,
      steps: [
        { id: "a", type: "exit" },
        { id: "c", type: "condition", if: { all: [] }, then: [{ id: "a", type: "exit" }], else: [] },
      ],
    })
    expect(issues).toEqual([{ path: "steps.1.then.0.id", message: 'duplicate step id "a"' }])
  })

  it("refuses a bad time of day, an empty flow, an unknown step type and unknown fields", () => {
    expect(issuesOf({ ...base, steps: [{ id: "w", type: "wait", until_time: "9am" }] })[0]).toMatchObject({
      path: "steps.0.until_time",
      message: "expected HH:MM (24-hour)",
    })
    expect(issuesOf({ ...base, steps: [] })[0]).toMatchObject({ path: "steps", message: "a flow needs at least one step" })
    expect(issuesOf({ ...base, steps: [{ id: "x", type: "teleport" }] })[0].path).toBe("steps.0.type")
    expect(issuesOf({ ...base, steps: [{ id: "w", type: "wait", duraton: { amount: 1, unit: "days" } }] }).map((i) => i.path)).toContain(
      "steps.0"
    )
  })

  it("takes several trigger events, run once per person, and inactive_for only with customer.inactive", () => {
    const welcome = parseFlowDefinition({
      trigger: { event: ["customer.created", "newsletter.subscribed"] },
      steps: [{ id: "x", type: "exit" }],
    })
    expect(triggerEvents(welcome)).toEqual(["customer.created", "newsletter.subscribed"])
    expect(runsPerContact(welcome)).toBe(true)
    expect(runsPerContact(parseFlowDefinition({ ...base, steps: [{ id: "x", type: "exit" }] }))).toBe(false)

    const steps = [{ id: "x", type: "exit" }]
    const message = "inactive_for is required with the customer.inactive trigger, and only with it"
    expect(issuesOf({ trigger: { event: "customer.inactive" }, steps })).toEqual([{ path: "trigger.inactive_for", message }])
    expect(issuesOf({ trigger: { event: "cart.updated", inactive_for: { amount: 1, unit: "days" } }, steps })).toEqual([
      { path: "trigger.inactive_for", message },
    ])
    expect(
      issuesOf({ trigger: { event: ["customer.inactive", "order.placed"], inactive_for: { amount: 90, unit: "days" } }, steps })
    ).toEqual([{ path: "trigger.event", message: "customer.inactive cannot be combined with other events" }])
    expect(issuesOf({ trigger: { event: [] }, steps })[0].path).toBe("trigger.event")
    expect(issuesOf({ trigger: { event: ["order.placed", "cart.exploded"] }, steps })[0].message).toMatch(
      /^unknown trigger event "cart.exploded"; expected one of cart.updated, /
    )
  })

  it("refuses a duration over the cap, even one too large for a date", () => {
    const waitFor = (amount: number) => ({ ...base, steps: [{ id: "w", type: "wait", duration: { amount, unit: "days" } }] })
    expect(issuesOf(waitFor(400))).toEqual([{ path: "steps.0.duration", message: "a duration can be at most 366 days" }])
    expect(issuesOf(waitFor(1e300))).toEqual([{ path: "steps.0.duration", message: "a duration can be at most 366 days" }])
    expect(
      issuesOf({ ...base, reentry: { mode: "cooldown", cooldown: { amount: 1e9, unit: "hours" } }, steps: [{ id: "x", type: "exit" }] })[0]
    ).toMatchObject({ path: "reentry.cooldown" })
    expect(parseFlowDefinition(waitFor(366)).steps[0]).toMatchObject({ duration: { amount: 366 } })
  })

  it("refuses condition groups nested too deeply, with a message, however deep the input", () => {
    const nest = (levels: number) => {
      let group: Record<string, unknown> = { all: [{ field: "cart.email", op: "exists" }] }
      for (let i = 1; i < levels; i++) {
        group = { any: [group] }
      }
      return group
    }
    const withFilters = (levels: number) => ({
      trigger: { event: "cart.updated", filters: nest(levels) },
      steps: [{ id: "x", type: "exit" }],
    })
    expect(parseFlowDefinition(withFilters(20)).trigger.filters).toBeDefined()
    expect(issuesOf(withFilters(21))).toEqual([{ path: "", message: "condition groups are nested 21 levels deep; at most 20 are allowed" }])
    // Deep enough to overflow the stack of a recursive validator.
    expect(issuesOf(withFilters(50_000))[0].message).toBe("the definition is nested more than 200 levels deep")
  })

  it("needs at least two split variants with positive weights", () => {
    const issues = issuesOf({ ...base, steps: [{ id: "s", type: "split", variants: [{ key: "a", weight: 0, steps: [] }] }] })
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(["steps.0.variants", "steps.0.variants.0.weight"]))
  })
})

describe("quiet hours", () => {
  const night = { start: "21:00", end: "08:00" }

  it("says when a window across midnight ends, in the recipient's timezone", () => {
    // 03:00Z is 22:00 the evening before in New York (EST): quiet until 08:00 EST = 13:00Z.
    expect(quietHoursEnd(new Date("2026-03-02T03:00:00Z"), night, "America/New_York")).toEqual(new Date("2026-03-02T13:00:00Z"))
    // 07:30 in Berlin (CET) on a winter morning: quiet for another half hour.
    expect(quietHoursEnd(new Date("2026-01-10T06:30:00Z"), night, "Europe/Berlin")).toEqual(new Date("2026-01-10T07:00:00Z"))
  })

  it("is null outside the window, and for a window within one day", () => {
    expect(quietHoursEnd(new Date("2026-03-02T15:00:00Z"), night, "UTC")).toBeNull()
    expect(quietHoursEnd(new Date("2026-03-02T08:00:00Z"), night, "UTC")).toBeNull()
    expect(quietHoursEnd(new Date("2026-03-02T12:30:00Z"), { start: "12:00", end: "13:00" }, "UTC")).toEqual(
      new Date("2026-03-02T13:00:00Z")
    )
  })
})

describe("activity", () => {
  const cart = (items: [string, number][], email = "ann@example.com") => ({
    cart: { email, updated_at: new Date().toISOString(), items: items.map(([variant_id, quantity]) => ({ variant_id, quantity })) },
  })
  const definition = parseFlowDefinition({
    trigger: { event: "cart.updated", restart_wait_on_activity: true },
    steps: [
      { id: "idle", type: "wait", duration: { amount: 1, unit: "hours" } },
      { id: "mail", type: "send_email", template: { subject: "s", html: "h" } },
      { id: "later", type: "wait", duration: { amount: 1, unit: "days" } },
    ],
  })

  it("sees a change in items, quantities or email, not in anything else", () => {
    const base = activityFingerprint(
      cart([
        ["v1", 1],
        ["v2", 2],
      ])
    )
    expect(
      activityFingerprint(
        cart([
          ["v2", 2],
          ["v1", 1],
        ])
      )
    ).toBe(base)
    expect(
      activityFingerprint(
        cart([
          ["v1", 2],
          ["v2", 2],
        ])
      )
    ).not.toBe(base)
    expect(activityFingerprint(cart([["v1", 1]]))).not.toBe(base)
    expect(
      activityFingerprint(
        cart(
          [
            ["v1", 1],
            ["v2", 2],
          ],
          "bob@example.com"
        )
      )
    ).not.toBe(base)
    expect(activityFingerprint({})).toBeNull()
  })

  it("restarts a wait on real activity only, and only where the flow asks for it", () => {
    const before = activityFingerprint(cart([["v1", 1]]))
    const after = activityFingerprint(cart([["v1", 3]]))
    expect(shouldRestartWait(definition, { step_id: null, fingerprint: before }, after)).toBe(true)
    expect(shouldRestartWait(definition, { step_id: "later", fingerprint: before }, after)).toBe(true)
    expect(shouldRestartWait(definition, { step_id: "idle", fingerprint: before }, before)).toBe(false)
    expect(shouldRestartWait(definition, { step_id: "mail", fingerprint: before }, after)).toBe(false)
    const plain = { ...definition, trigger: { event: "cart.updated" as const } }
    expect(shouldRestartWait(plain, { step_id: "idle", fingerprint: before }, after)).toBe(false)
  })
})
