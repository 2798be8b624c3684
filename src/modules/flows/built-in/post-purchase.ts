import type { BuiltInFlow } from "."
import { button, emailLayout, itemsTable } from "./layout"

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
          html: emailLayout(`<p>{% if customer.first_name %}Hi {{ customer.first_name }},{% else %}Hi,{% endif %}</p>
<p>Thank you for your order. We are getting it ready and will let you know when it ships.</p>
${itemsTable("order")}
${button("{{ store.url }}", "Visit the store")}`),
        },
      },
      { id: "wait-7d", type: "wait", duration: { amount: 7, unit: "days" }, until_time: "10:00" },
      {
        id: "cross-sell-email",
        type: "send_email",
        template: {
          subject: "Picked for you at {{ store.name }}",
          preheader: "Goes well with your last order.",
          html: emailLayout(`<p>{% if customer.first_name %}Hi {{ customer.first_name }},{% else %}Hi,{% endif %}</p>
{% if recommendations.size > 0 %}<p>These go well with your last order:</p>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
{% for product in recommendations %}<tr>
<td width="72" style="padding:8px 0;">{% if product.thumbnail %}<img src="{{ product.thumbnail }}" width="64" height="64" alt="" style="display:block;border-radius:4px;">{% endif %}</td>
<td style="padding:8px 12px;"><a href="{{ product.url }}" style="color:#18181b;">{{ product.title }}</a></td>
</tr>{% endfor %}
</table>{% else %}<p>There is always something new at {{ store.name }}.</p>{% endif %}
${button("{{ store.url }}", "See more")}`),
        },
      },
    ],
  },
}
