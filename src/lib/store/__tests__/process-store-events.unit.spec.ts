import { orderPlacedFirst, workBySubject } from "../process-store-events"
import type { InboxRow } from "../../../modules/flows/sql/store-event-inbox"

let seq = 0
const row = (subject_key: string, name: string, data: Record<string, unknown> = {}): InboxRow => {
  seq += 1
  return { id: `in_${seq}`, seq, name, data, subject_key, received_at: new Date(1_000 * seq), claimed_until: new Date(0), attempts: 1 }
}

describe("planning a batch of store events", () => {
  it("collapses repeats in a row into one piece of work with the latest payload and time, per subject, in arrival order", () => {
    const rows = [
      row("cart:a", "cart.created"),
      row("cart:a", "cart.updated", { v: 1 }),
      row("cart:b", "cart.updated"),
      row("cart:a", "cart.updated", { v: 2 }),
      row("cart:a", "cart.updated", { v: 3 }),
    ]
    // Arrival order is the seq, not the order rows come back in.
    const queues = workBySubject([...rows].reverse())
    expect(queues.map((queue) => queue.map((work) => [work.name, work.ids]))).toEqual([
      [
        ["cart.created", [rows[0].id]],
        ["cart.updated", [rows[1].id, rows[3].id, rows[4].id]],
      ],
      [["cart.updated", [rows[2].id]]],
    ])
    expect(queues[0][1]).toMatchObject({ data: { v: 3 }, received_at: rows[4].received_at })
  })

  it("keeps a repeat apart when another event about the subject came between", () => {
    const rows = [
      row("order:o", "order.fulfillment_created"),
      row("order:o", "order.canceled"),
      row("order:o", "order.fulfillment_created"),
    ]
    expect(workBySubject(rows)[0].map((work) => work.name)).toEqual([
      "order.fulfillment_created",
      "order.canceled",
      "order.fulfillment_created",
    ])
  })

  it("puts each subject's work up to its order.placed before all other work", () => {
    const rows = [
      row("cart:a", "cart.updated"),
      row("order:o", "order.placed"),
      row("order:o", "order.fulfillment_created"),
      row("customer:c", "customer.created"),
    ]
    const [first, then] = orderPlacedFirst(workBySubject(rows))
    expect(first.map((queue) => queue.map((work) => work.name))).toEqual([["order.placed"]])
    expect(then.map((queue) => queue.map((work) => work.name))).toEqual([
      ["cart.updated"],
      ["order.fulfillment_created"],
      ["customer.created"],
    ])
  })
})
