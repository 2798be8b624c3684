import { parseFlowDefinition, splitLayouts } from "../../../engine"
import { groupPerformance, variantPerformance } from "../analytics"
import { planRead } from "../actions/reporting"

const definition = parseFlowDefinition({
  trigger: { event: "cart.updated" },
  steps: [
    {
      id: "ab",
      type: "split",
      variants: [
        {
          key: "short",
          weight: 3,
          steps: [
            { id: "mail-a", type: "send_email", template: { subject: "A", html: "<p>A</p>" } },
            {
              id: "opened-a",
              type: "condition",
              if: { all: [{ field: "engagement.opened", op: "eq", value: true }] },
              then: [{ id: "text-a", type: "send_sms", template: { body: "A" } }],
              else: [],
            },
          ],
        },
        { key: "long", weight: 1, steps: [{ id: "mail-b", type: "send_email", template: { subject: "B", html: "<p>B</p>" } }] },
      ],
    },
    { id: "after", type: "send_email", template: { subject: "C", html: "<p>C</p>" } },
  ],
})

describe("analytics", () => {
  it("finds each split's variants with every step inside them, branches included, and not the steps after", () => {
    expect(splitLayouts(definition)).toEqual([
      {
        split_id: "ab",
        variants: [
          { key: "short", weight: 3, step_ids: ["mail-a", "opened-a", "text-a"] },
          { key: "long", weight: 1, step_ids: ["mail-b"] },
        ],
      },
    ])
  })

  it("adds message, order and unsubscribe rows per key, keeping currencies apart", () => {
    const rows = [
      { flow_id: "f", step_id: "mail-a", sent: 10, delivered: 9, opened: 5, clicked: 2, failed: 1 },
      { flow_id: "f", step_id: "text-a", sent: 4, delivered: 4, opened: 0, clicked: 0, failed: 0 },
      { flow_id: "f", step_id: "mail-a", currency_code: "usd", converted: 2, revenue: 30 },
      { flow_id: "f", step_id: "text-a", currency_code: "eur", converted: 1, revenue: 12.5 },
      { flow_id: "f", step_id: "mail-a", currency_code: "usd", converted: 1, revenue: 10 },
      { flow_id: "f", step_id: "mail-b", unsubscribed: 1 },
    ]
    const [flow] = groupPerformance(rows, ["flow_id"] as const)
    expect(flow).toEqual({
      flow_id: "f",
      sent: 14,
      delivered: 13,
      opened: 5,
      machine_opened: 0,
      clicked: 2,
      failed: 1,
      converted: 4,
      canceled: 0,
      unsubscribed: 1,
      revenue: [
        { currency_code: "usd", amount: 40 },
        { currency_code: "eur", amount: 12.5 },
      ],
      refunded: [],
    })

    const steps = groupPerformance(rows, ["flow_id", "step_id"] as const)
    const [split] = variantPerformance(definition, steps)
    expect(split.variants.map((v) => [v.key, v.sent, v.converted, v.unsubscribed, v.revenue])).toEqual([
      [
        "short",
        14,
        4,
        0,
        [
          { currency_code: "usd", amount: 40 },
          { currency_code: "eur", amount: 12.5 },
        ],
      ],
      ["long", 0, 0, 1, []],
    ])
  })
})

describe("reading a period from the rollup", () => {
  const day = (d: string) => new Date(`${d}T00:00:00.000Z`)

  it("reads the partial days at either end and the out-of-date days raw, the whole days between from the rollup", () => {
    const plan = planRead({ from: new Date("2026-03-01T15:00:00Z"), to: new Date("2026-03-10T06:00:00Z") }, [day("2026-03-05")])
    expect(plan.rollup).toEqual({ from: day("2026-03-02"), to: day("2026-03-10"), except: [day("2026-03-05")] })
    expect(plan.raw).toEqual([
      { from: new Date("2026-03-01T15:00:00Z"), to: day("2026-03-02") },
      { from: day("2026-03-05"), to: day("2026-03-06") },
      { from: day("2026-03-10"), to: new Date("2026-03-10T06:00:00Z") },
    ])
  })

  it("joins neighbouring raw days, and reads a period shorter than a whole day raw", () => {
    const plan = planRead({ from: day("2026-03-01"), to: day("2026-03-05") }, [day("2026-03-03"), day("2026-03-04")])
    expect(plan.raw).toEqual([{ from: day("2026-03-03"), to: day("2026-03-05") }])
    expect(planRead({ from: new Date("2026-03-01T01:00:00Z"), to: new Date("2026-03-01T23:00:00Z") }, []).rollup).toBeNull()
  })

  it("reads the whole period raw when out-of-date days are scattered all over it", () => {
    const dirty = Array.from({ length: 12 }, (_, i) => day(`2026-03-${String(2 * i + 2).padStart(2, "0")}`))
    const plan = planRead({ from: day("2026-03-01"), to: day("2026-03-31") }, dirty)
    expect(plan).toEqual({ rollup: null, raw: [{ from: day("2026-03-01"), to: day("2026-03-31") }] })
  })
})
