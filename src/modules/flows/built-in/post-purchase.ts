import type { BuiltInFlow } from "."
import { button, emailLayout, itemsTable } from "./layout"

export const postPurchase: BuiltInFlow = {
  handle: "post-purchase",
  name: "Post-purchase thank you",
  description: "Thanks the customer right after an order is placed. A cancelled order ends it.",
  definition: {
    trigger: { event: "order.placed" },
    exit: { events: [{ event: "order.canceled", match: ["order_id"] }] },
    reentry: { mode: "always" },
    steps: [
      {
        id: "thank-you-email",
        type: "send_email",
        template: {
          subject: "Thank you for your order #{{ order.display_id }}",
          preheader: "We are getting it ready.",
          html: emailLayout(`<p>{% if customer.first_name %}Hi {{ customer.first_name }},{% else %}Hi,{% endif %}</p>
<p>Thank you for your order. We are getting it ready and will let you know when it ships.</p>
${itemsTable("order")}
${button("{{ store.url }}", "Visit the store")}`),
        },
      },
    ],
  },
}
