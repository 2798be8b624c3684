import type { BuiltInFlow } from "."
import { greeting } from "./layout"

export const winBack: BuiltInFlow = {
  handle: "win-back",
  priority: 20,
  name: "Win-back",
  description: "Writes once to customers who have not ordered for 90 days, with a single-use discount code. Ordering again ends it.",
  definition: {
    trigger: {
      event: "customer.inactive",
      inactive_for: { amount: 90, unit: "days" },
      filters: { all: [{ field: "customer.email", op: "exists" }] },
    },
    exit: { events: [{ event: "order.placed" }] },
    // Longer than the week in which the check finds a lapsed customer, so one lapse gets one message.
    reentry: { mode: "cooldown", cooldown: { amount: 30, unit: "days" } },
    // Its audience is people who went quiet: it is one of the flows unengaged contacts still get.
    send_to_unengaged: true,
    steps: [
      {
        id: "win-back-email",
        type: "send_email",
        discount: true,
        template: {
          subject: "We miss you at {{ store.name }}",
          preheader: "{{ discount.value }} off your next order, until {{ discount.expires_at }}.",
          blocks: [
            { type: "header" },
            { type: "text", text: greeting },
            { type: "text", text: "It has been a while. Here is {{ discount.value }} off your next order." },
            { type: "discount", text: "Use this code at checkout until {{ discount.expires_at }}. It works once." },
            { type: "button", label: "See what is new", href: "{{ store.url }}" },
            { type: "footer" },
          ],
        },
      },
    ],
  },
}
