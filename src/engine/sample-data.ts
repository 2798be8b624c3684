import { buildTemplateVariables, type TemplateVariables } from "./template-variables"

const items = [
  {
    title: "Canvas Tote",
    product_title: "Canvas Tote",
    variant_title: "Natural",
    quantity: 1,
    unit_price: 35,
    thumbnail: "https://images.example.com/tote.jpg",
    product_id: "prod_sample_tote",
    variant_id: "variant_sample_tote",
    product_handle: "canvas-tote",
  },
  {
    title: "Enamel Mug",
    product_title: "Enamel Mug",
    variant_title: "Blue",
    quantity: 2,
    unit_price: 14.5,
    thumbnail: "https://images.example.com/mug.jpg",
    product_id: "prod_sample_mug",
    variant_id: "variant_sample_mug",
    product_handle: "enamel-mug",
  },
]

const customer = { first_name: "Ann", last_name: "Example", email: "ann@example.com", phone: "+14155550100" }

/** Realistic data for previews when the owner does not pick a real cart, order or customer. */
export function sampleTemplateVariables(kind: "cart" | "order" | "customer"): TemplateVariables {
  const store = { name: "Sample Store", url: "https://shop.example.com" }
  const links = {
    recovery: kind === "cart" ? "https://shop.example.com/cart?recover=sample" : null,
    unsubscribe: "https://shop.example.com/unsubscribe?sample",
    preferences: "https://shop.example.com/unsubscribe?sample",
  }
  return buildTemplateVariables({
    customer,
    cart: kind === "cart" ? { id: "cart_sample", email: customer.email, currency_code: "usd", items, subtotal: 64, total: 64 } : null,
    order:
      kind === "order"
        ? {
            id: "order_sample",
            display_id: 1001,
            email: customer.email,
            currency_code: "usd",
            items,
            subtotal: 64,
            shipping_total: 5,
            tax_total: 0,
            total: 69,
            created_at: "2026-01-15T10:00:00Z",
          }
        : null,
    store,
    links,
    flow: { name: "Sample flow" },
    discount: { code: "COMEBACK-SAMPLE1", percentage: 10, expires_at: new Date("2026-01-22T00:00:00Z") },
    reviewUrl: "https://shop.example.com/products/{product_handle}#reviews",
    recommendations:
      kind === "order"
        ? [
            {
              title: "Linen Napkins",
              thumbnail: "https://images.example.com/napkins.jpg",
              url: "https://shop.example.com/products/linen-napkins",
              product_id: "prod_sample_napkins",
            },
          ]
        : [],
  })
}
