import type { BuiltInFlow } from "."
import { greeting } from "./layout"

export const reviewRequest: BuiltInFlow = {
  handle: "review-request",
  priority: 30,
  name: "Review request",
  description:
    "Asks for a review of each product 5 days after delivery. Stores that record no deliveries count from 7 days after shipping. A cancelled order ends it.",
  definition: {
    trigger: { event: "shipment.created", filters: { all: [{ field: "order.email", op: "exists" }] } },
    exit: { events: [{ event: "order.canceled", match: ["order_id"] }] },
    steps: [
      {
        id: "until-delivered",
        type: "wait_until",
        condition: { all: [{ field: "order.delivered", op: "eq", value: true }] },
        check_every: { amount: 1, unit: "hours" },
        timeout: { amount: 7, unit: "days" },
      },
      { id: "wait-5d", type: "wait", duration: { amount: 5, unit: "days" }, until_time: "10:00" },
      {
        id: "review-email",
        type: "send_email",
        template: {
          subject: "How do you like your order from {{ store.name }}?",
          preheader: "A quick review helps other shoppers.",
          blocks: [
            { type: "header" },
            { type: "text", text: greeting },
            {
              type: "text",
              text: "We hope you are enjoying your order #{{ order.display_id }}. Would you tell other shoppers what you think?",
            },
            { type: "items", source: "order", show_total: false, review_links: true },
            { type: "button", label: "Visit the store", href: "{{ store.url }}" },
            { type: "footer" },
          ],
        },
      },
    ],
  },
}
