import { parseFlowDefinition, splitLayouts } from "../../../engine"
import { groupPerformance, variantPerformance } from "../analytics"

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
      clicked: 2,
      failed: 1,
      converted: 4,
      unsubscribed: 1,
      revenue: [
        { currency_code: "usd", amount: 40 },
        { currency_code: "eur", amount: 12.5 },
      ],
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
