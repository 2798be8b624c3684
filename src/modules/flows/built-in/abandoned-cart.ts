import type { BuiltInFlow } from "."
import { greeting } from "./layout"

export const abandonedCart: BuiltInFlow = {
  handle: "abandoned-cart",
  priority: 80,
  name: "Abandoned cart",
  description:
    "Reminds shoppers who left items in their cart: an email after 1 hour, a text after 24 hours (with SMS consent) and a last email with a single-use discount code after 72 hours. A placed order ends it. One series per person: a newer cart of the same shopper takes the older one's place.",
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
    // The cart the run follows (the person's newest) being completed ends it too, should the order event be missed.
    exit: { events: [{ event: "order.placed" }], conditions: { all: [{ field: "cart.completed_at", op: "exists" }] } },
    // One series per person: a newer cart of theirs joins the running series instead of starting a second.
    reentry: { mode: "cooldown", cooldown: { amount: 7, unit: "days" }, scope: "person" },
    steps: [
      { id: "idle-1h", type: "wait", duration: { amount: 1, unit: "hours" } },
      {
        id: "reminder-email",
        type: "send_email",
        template: {
          subject: "You left something in your cart",
          preheader: "Your {{ cart.item_count }} item(s) are saved for you.",
          blocks: [
            { type: "header" },
            { type: "text", text: greeting },
            { type: "text", text: "You left these in your cart at {{ store.name }}. We saved them for you." },
            { type: "items", source: "cart" },
            { type: "button", label: "Return to your cart", href: "{{ links.recovery }}" },
            { type: "footer" },
          ],
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
          blocks: [
            { type: "header" },
            { type: "text", text: greeting },
            {
              type: "text",
              text: "Your cart is still here. Complete your order with {{ discount.value }} off: use the code below at checkout.",
            },
            { type: "discount", text: "Your code works once, until {{ discount.expires_at }}." },
            { type: "items", source: "cart" },
            { type: "button", label: "Complete your order", href: "{{ links.recovery }}" },
            { type: "footer" },
          ],
        },
      },
    ],
  },
}
