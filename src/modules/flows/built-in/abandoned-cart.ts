import type { BuiltInFlow } from "."
import { button, emailLayout, itemsTable } from "./layout"

const greeting = "{% if customer.first_name %}Hi {{ customer.first_name }},{% else %}Hi,{% endif %}"

export const abandonedCart: BuiltInFlow = {
  handle: "abandoned-cart",
  priority: 80,
  name: "Abandoned cart",
  description:
    "Reminds shoppers who left items in their cart: an email after 1 hour, a text after 24 hours (with SMS consent) and a last email with a single-use discount code after 72 hours. A placed order ends it.",
  definition: {
    trigger: {
      event: "cart.updated",
      restart_wait_on_activity: true,
      filters: {
        all: [
          { field: "cart.item_count", op: "gt", value: 0 },
          { field: "cart.completed_at", op: "not_exists" },
          {
            any: [
              { field: "cart.email", op: "exists" },
              { field: "cart.shipping_address.phone", op: "exists" },
            ],
          },
        ],
      },
    },
    exit: { events: [{ event: "order.placed" }] },
    reentry: { mode: "cooldown", cooldown: { amount: 7, unit: "days" } },
    steps: [
      { id: "idle-1h", type: "wait", duration: { amount: 1, unit: "hours" } },
      {
        id: "reminder-email",
        type: "send_email",
        template: {
          subject: "You left something in your cart",
          preheader: "Your {{ cart.item_count }} item(s) are saved for you.",
          html: emailLayout(`<p>${greeting}</p>
<p>You left these in your cart at {{ store.name }}. We saved them for you.</p>
${itemsTable("cart")}
${button("{{ links.recovery }}", "Return to your cart")}`),
        },
      },
      { id: "wait-24h", type: "wait", duration: { amount: 23, unit: "hours" } },
      {
        id: "reminder-sms",
        type: "send_sms",
        template: { body: "{{ store.name }}: your cart ({{ cart.total }}) is still waiting. {{ links.recovery }} Reply STOP to opt out." },
      },
      { id: "wait-72h", type: "wait", duration: { amount: 48, unit: "hours" } },
      {
        id: "last-call-email",
        type: "send_email",
        discount: true,
        template: {
          subject: "{{ discount.value }} off your cart at {{ store.name }}",
          preheader: "Use {{ discount.code }} before {{ discount.expires_at }}.",
          html: emailLayout(`<p>${greeting}</p>
<p>Your cart is still here. Complete your order with <strong>{{ discount.value }} off</strong>: use the code below at
checkout before {{ discount.expires_at }}. It works once.</p>
<p style="font-size:24px;font-weight:bold;letter-spacing:2px;text-align:center;padding:16px;border:2px dashed #18181b;border-radius:6px;">{{ discount.code }}</p>
${itemsTable("cart")}
${button("{{ links.recovery }}", "Complete your order")}`),
        },
      },
    ],
  },
}
