import type { BuiltInFlow } from "."
import { button, emailLayout } from "./layout"

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
          html: emailLayout(`<p>{% if customer.first_name %}Hi {{ customer.first_name }},{% else %}Hi,{% endif %}</p>
<p>We hope you are enjoying your order #{{ order.display_id }}. Would you tell other shoppers what you think?</p>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
{% for item in order.items %}<tr>
<td width="72" style="padding:8px 0;">{% if item.thumbnail %}<img src="{{ item.thumbnail }}" width="64" height="64" alt="" style="display:block;border-radius:4px;">{% endif %}</td>
<td style="padding:8px 12px;">{{ item.title }}</td>
<td align="right" style="padding:8px 0;">{% if item.review_url %}<a href="{{ item.review_url }}" style="color:#18181b;font-weight:bold;">Write a review</a>{% endif %}</td>
</tr>{% endfor %}
</table>
${button("{{ store.url }}", "Visit the store")}`),
        },
      },
    ],
  },
}
