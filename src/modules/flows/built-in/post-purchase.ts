import type { BuiltInFlow } from "."
import { greeting } from "./layout"

export const postPurchase: BuiltInFlow = {
  handle: "post-purchase",
  priority: 70,
  name: "Post-purchase thank you",
  description:
    "Thanks the customer right after an order is placed, and 7 days later suggests related products they have not bought. A cancelled order ends it.",
  definition: {
    trigger: { event: "order.placed" },
    exit: { events: [{ event: "order.canceled", match: ["order_id"] }] },
    reentry: { mode: "always" },
    steps: [
      {
        id: "thank-you-email",
        type: "send_email",
        // An order confirmation: never held back by a cap, and not counted toward one.
        exempt: true,
        template: {
          subject: "Thank you for your order #{{ order.display_id }}",
          preheader: "We are getting it ready.",
          blocks: [
            { type: "header" },
            { type: "text", text: greeting },
            { type: "text", text: "Thank you for your order. We are getting it ready and will let you know when it ships." },
            { type: "items", source: "order" },
            { type: "button", label: "Visit the store", href: "{{ store.url }}" },
            { type: "footer" },
          ],
        },
      },
      { id: "wait-7d", type: "wait", duration: { amount: 7, unit: "days" }, until_time: "10:00" },
      {
        id: "cross-sell-email",
        type: "send_email",
        template: {
          subject: "Picked for you at {{ store.name }}",
          preheader: "Goes well with your last order.",
          blocks: [
            { type: "header" },
            { type: "text", text: greeting },
            {
              type: "text",
              text: "{% if recommendations.size > 0 %}These go well with your last order.{% else %}There is always something new at {{ store.name }}.{% endif %}",
            },
            { type: "recommendations", title: "Picked for you" },
            { type: "button", label: "See more", href: "{{ store.url }}" },
            { type: "footer" },
          ],
        },
      },
    ],
  },
}
