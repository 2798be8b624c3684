import type { BuiltInFlow } from "."
import { greeting } from "./layout"

export const welcome: BuiltInFlow = {
  handle: "welcome-series",
  priority: 40,
  name: "Welcome series",
  description:
    "Welcomes new customers and newsletter sign-ups at once, and follows up after 3 days if they have not ordered yet. Someone who signs up and later opens an account is welcomed once.",
  definition: {
    trigger: {
      event: ["customer.created", "newsletter.subscribed"],
      filters: { all: [{ field: "customer.email", op: "exists" }] },
    },
    steps: [
      {
        id: "welcome-email",
        type: "send_email",
        // Outranked by an abandoned cart's reminder, the welcome waits for the email cap rather than being lost.
        when_held: "wait",
        template: {
          subject: "Welcome to {{ store.name }}",
          preheader: "Glad you are here.",
          blocks: [
            { type: "header" },
            { type: "text", text: greeting },
            { type: "text", text: "Welcome to {{ store.name }}. We are glad you are here." },
            { type: "button", label: "Start shopping", href: "{{ store.url }}" },
            { type: "footer" },
          ],
        },
      },
      { id: "wait-3d", type: "wait", duration: { amount: 3, unit: "days" } },
      {
        id: "not-ordered-yet",
        type: "condition",
        if: { all: [{ field: "engagement.ordered", op: "eq", value: false }] },
        then: [
          {
            id: "follow-up-email",
            type: "send_email",
            template: {
              subject: "Find something you love at {{ store.name }}",
              preheader: "A few favourites to start with.",
              blocks: [
                { type: "header" },
                { type: "text", text: greeting },
                { type: "text", text: "Still looking around? Our most loved products are a good place to start." },
                { type: "button", label: "Browse the store", href: "{{ store.url }}" },
                { type: "footer" },
              ],
            },
          },
        ],
        else: [],
      },
    ],
  },
}
