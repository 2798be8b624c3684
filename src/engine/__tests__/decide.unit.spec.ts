import { decide, nextStepId, parseFlowDefinition, type FlowDefinition, type RunState } from ".."

const T0 = new Date("2026-03-02T10:00:00Z")
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000)

const email = (id: string) => ({ id, type: "send_email", template: { subject: id, html: `<p>${id}</p>` } })

function flow(steps: unknown[], extra: Record<string, unknown> = {}): FlowDefinition {
  return parseFlowDefinition({ trigger: { event: "cart.updated" }, steps, ...extra })
}

function run(stepId: string | null = null, enteredAt = T0, timezone?: string): RunState {
  return { id: "flowrun_1", step_id: stepId, step_entered_at: enteredAt, timezone }
}

describe("decide", () => {
  const basic = flow([{ id: "wait", type: "wait", duration: { amount: 1, unit: "hours" } }, email("first"), email("second")])

  it("waits until a duration has passed since the run entered the step", () => {
    expect(decide(basic, run(), {}, at(10))).toEqual({
      type: "wait",
      step_id: "wait",
      step_entered_at: T0,
      until: at(60),
      trail: [],
    })
  })

  it("sends once the wait is over, recording the elapsed wait", () => {
    expect(decide(basic, run("wait"), {}, at(61))).toMatchObject({
      type: "send",
      step_id: "first",
      step: { type: "send_email" },
      trail: [{ step_id: "wait", type: "wait", outcome: "elapsed" }],
    })
  })

  it("goes on from the step after a send, and completes at the end", () => {
    expect(nextStepId(basic, "first")).toBe("second")
    expect(decide(basic, run("second", at(61)), {}, at(61))).toMatchObject({ type: "send", step_id: "second" })
    expect(nextStepId(basic, "second")).toBeNull()
  })

  it("dates the step after a late-polled wait from the wait's due time, not the poll", () => {
    const twoWaits = flow([
      { id: "w1", type: "wait", duration: { amount: 1, unit: "hours" } },
      { id: "w2", type: "wait", duration: { amount: 1, unit: "hours" } },
      email("mail"),
    ])
    expect(decide(twoWaits, run("w1"), {}, at(90))).toMatchObject({ type: "wait", step_id: "w2", step_entered_at: at(60), until: at(120) })
  })

  it("waits on until a time of day in the recipient's timezone", () => {
    const morning = flow([{ id: "w", type: "wait", duration: { amount: 1, unit: "hours" }, until_time: "09:00" }, email("m")])
    // 10:00Z + 1h = 11:00Z = 06:00 in New York (EST, UTC-5) → 09:00 EST = 14:00Z the same day.
    expect(decide(morning, run(null, T0, "America/New_York"), {}, at(5))).toMatchObject({
      type: "wait",
      until: new Date("2026-03-02T14:00:00Z"),
    })
    // 11:00Z = 20:00 in Tokyo (UTC+9) → 09:00 next day = 00:00Z on March 3.
    expect(decide(morning, run(null, T0, "Asia/Tokyo"), {}, at(5))).toMatchObject({
      until: new Date("2026-03-03T00:00:00Z"),
    })
    // An unknown timezone counts as UTC: 11:00Z → 09:00Z next day.
    expect(decide(morning, run(null, T0, "Mars/Olympus"), {}, at(5))).toMatchObject({
      until: new Date("2026-03-03T09:00:00Z"),
    })
  })

  describe("wait_until", () => {
    const waitForOpen = (onTimeout?: "exit") =>
      flow([
        {
          id: "until-open",
          type: "wait_until",
          condition: { all: [{ field: "engagement.opened", op: "eq", value: true }] },
          timeout: { amount: 2, unit: "days" },
          check_every: { amount: 30, unit: "minutes" },
          ...(onTimeout ? { on_timeout: onTimeout } : {}),
        },
        email("after"),
      ])

    it("checks again later while the condition is false", () => {
      expect(decide(waitForOpen(), run(), { engagement: { opened: false, clicked: false, ordered: false } }, at(10))).toMatchObject({
        type: "wait",
        step_id: "until-open",
        until: at(40),
      })
    })

    it("never checks later than the timeout", () => {
      expect(decide(waitForOpen(), run(), {}, at(2 * 24 * 60 - 5))).toMatchObject({ type: "wait", until: at(2 * 24 * 60) })
    })

    it("goes on as soon as the condition is met", () => {
      expect(decide(waitForOpen(), run(), { engagement: { opened: true, clicked: false, ordered: false } }, at(10))).toMatchObject({
        type: "send",
        step_id: "after",
        trail: [{ step_id: "until-open", outcome: "met" }],
      })
    })

    it("continues after the timeout by default, or exits when told to", () => {
      const late = at(2 * 24 * 60 + 1)
      expect(decide(waitForOpen(), run(), {}, late)).toMatchObject({
        type: "send",
        trail: [{ step_id: "until-open", outcome: "timed_out" }],
      })
      expect(decide(waitForOpen("exit"), run(), {}, late)).toMatchObject({ type: "exit", reason: "wait_until_timeout" })
    })
  })

  describe("condition", () => {
    const branching = flow([
      {
        id: "big-cart",
        type: "condition",
        if: { all: [{ field: "cart.total", op: "gte", value: 100 }] },
        then: [email("vip"), { id: "vip-wait", type: "wait", duration: { amount: 1, unit: "days" } }],
        else: [],
      },
      email("everyone"),
    ])

    it("takes the then branch and rejoins after it", () => {
      expect(decide(branching, run(), { cart: { total: 150 } }, T0)).toMatchObject({
        type: "send",
        step_id: "vip",
        trail: [{ step_id: "big-cart", type: "condition", outcome: "then" }],
      })
      expect(nextStepId(branching, "vip")).toBe("vip-wait")
      expect(nextStepId(branching, "vip-wait")).toBe("everyone")
    })

    it("goes straight past an empty else branch", () => {
      expect(decide(branching, run(), { cart: { total: 20 } }, T0)).toMatchObject({
        type: "send",
        step_id: "everyone",
        trail: [{ step_id: "big-cart", outcome: "else" }],
      })
    })

    it("treats a missing field as not matching", () => {
      expect(decide(branching, run(), {}, T0)).toMatchObject({ step_id: "everyone" })
    })
  })

  describe("split", () => {
    const ab = flow([
      {
        id: "ab",
        type: "split",
        variants: [
          { key: "a", weight: 80, steps: [email("mail-a")] },
          { key: "b", weight: 20, steps: [email("mail-b")] },
        ],
      },
      email("after"),
    ])

    it("puts a run in the same variant every time", () => {
      const first = decide(ab, { ...run(), id: "flowrun_42" }, {}, T0)
      for (let i = 0; i < 5; i++) {
        expect(decide(ab, { ...run(), id: "flowrun_42" }, {}, T0)).toEqual(first)
      }
      expect(nextStepId(ab, "mail-a")).toBe("after")
      expect(nextStepId(ab, "mail-b")).toBe("after")
    })

    it("follows the weights across many runs", () => {
      let a = 0
      for (let i = 0; i < 10_000; i++) {
        const decision = decide(ab, { ...run(), id: `flowrun_${i}` }, {}, T0)
        if (decision.type === "send" && decision.step_id === "mail-a") {
          a += 1
        }
      }
      expect(a / 10_000).toBeGreaterThan(0.77)
      expect(a / 10_000).toBeLessThan(0.83)
    })
  })

  it("exits at an exit step", () => {
    const stop = flow([{ id: "stop", type: "exit" }, email("never")])
    expect(decide(stop, run(), {}, T0)).toMatchObject({ type: "exit", reason: "exit_step", step_id: "stop" })
  })

  it("exits as soon as an exit condition holds, wherever the run is", () => {
    const withExit = flow([email("m")], { exit: { conditions: { all: [{ field: "cart.completed_at", op: "exists" }] } } })
    expect(decide(withExit, run(), { cart: { completed_at: "2026-03-02T09:00:00Z" } }, T0)).toMatchObject({
      type: "exit",
      reason: "exit_condition",
    })
    expect(decide(withExit, run(), { cart: { completed_at: null } }, T0)).toMatchObject({ type: "send" })
  })

  it("checks the trigger filters again just before a send", () => {
    const filtered = flow([{ id: "w", type: "wait", duration: { amount: 1, unit: "hours" } }, email("m")], {
      trigger: { event: "cart.updated", filters: { all: [{ field: "cart.item_count", op: "gt", value: 0 }] } },
    })
    expect(decide(filtered, run("w"), { cart: { item_count: 0 } }, at(61))).toMatchObject({
      type: "exit",
      reason: "filters_no_longer_match",
      step_id: "m",
    })
    expect(decide(filtered, run("w"), { cart: { item_count: 2 } }, at(61))).toMatchObject({ type: "send" })
  })

  it("completes a run whose last step was a wait", () => {
    const waitOnly = flow([{ id: "w", type: "wait", duration: { amount: 1, unit: "minutes" } }])
    expect(decide(waitOnly, run("w"), {}, at(2))).toEqual({
      type: "complete",
      trail: [{ step_id: "w", type: "wait", outcome: "elapsed" }],
    })
  })

  it("exits a run whose step no longer exists", () => {
    expect(decide(basic, run("gone"), {}, T0)).toMatchObject({ type: "exit", reason: "unknown_step" })
  })

  it("compresses waits and wait_until timeouts with the time scale, ignoring times of day", () => {
    const compressed = flow([
      { id: "wait", type: "wait", duration: { amount: 1, unit: "hours" }, until_time: "09:00" },
      {
        id: "until",
        type: "wait_until",
        condition: { all: [{ field: "order.delivered", op: "eq", value: true }] },
        timeout: { amount: 1, unit: "days" },
      },
      email("first"),
    ])
    const seconds = (s: number) => new Date(T0.getTime() + s * 1000)
    // 360x: an hour lasts 10 seconds, a day 4 minutes, the default 5-minute check under a second.
    expect(decide(compressed, run(), {}, T0, { timeScale: 360 })).toMatchObject({ type: "wait", until: seconds(10) })
    expect(decide(compressed, run("until", seconds(10)), {}, seconds(10), { timeScale: 360 })).toMatchObject({
      type: "wait",
      until: new Date(seconds(10).getTime() + 300_000 / 360),
    })
    expect(decide(compressed, run("until", seconds(10)), {}, seconds(250), { timeScale: 360 })).toMatchObject({
      type: "send",
      step_id: "first",
    })
  })

  it("ends a run whose wait has no valid due date instead of treating the wait as over", () => {
    // A stored definition is not parsed again: a bad value in it must not send the next step early.
    const stored = (wait: Record<string, unknown>) =>
      ({ trigger: { event: "cart.updated" }, steps: [{ id: "wait", ...wait }, email("next")] }) as unknown as FlowDefinition
    const invalid = { type: "exit", reason: "invalid_due_date", step_id: "wait", trail: [{ step_id: "wait", outcome: "invalid_due_date" }] }
    expect(decide(stored({ type: "wait", duration: { amount: "soon", unit: "hours" } }), run("wait"), {}, at(61))).toMatchObject(invalid)
    expect(decide(stored({ type: "wait", duration: { amount: 1e300, unit: "days" } }), run("wait"), {}, at(61))).toMatchObject(invalid)
    expect(decide(stored({ type: "wait", until_time: "noon" }), run("wait"), {}, at(61))).toMatchObject(invalid)
    const until = { type: "wait_until", condition: { all: [{ field: "cart.email", op: "exists" }] } }
    expect(decide(stored({ ...until, timeout: { amount: 1e300, unit: "days" } }), run("wait"), {}, at(61))).toMatchObject(invalid)
    expect(
      decide(
        stored({ ...until, timeout: { amount: 1, unit: "days" }, check_every: { amount: NaN, unit: "minutes" } }),
        run("wait"),
        {},
        at(61)
      )
    ).toMatchObject(invalid)
  })
})
