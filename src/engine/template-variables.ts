import { brandVariables, DEFAULT_BRAND, type BrandVariables } from "./email-blocks"
/** Money, already formatted for the reader: "$1,234.50", "12,00 €". */
export type Money = string

export type LineItemVariables = {
  title: string
  product_title: string | null
  variant_title: string | null
  quantity: number
  thumbnail: string | null
  unit_price: Money
  total: Money
  product_id: string | null
  product_handle: string | null
  variant_id: string | null
  /** From the `reviewUrl` option; null when the product is not known. */
  review_url: string | null
}

export type TemplateVariables = {
  customer: { first_name: string | null; last_name: string | null; email: string | null; phone: string | null }
  cart: null | {
    id: string
    email: string | null
    item_count: number
    items: LineItemVariables[]
    subtotal: Money
    total: Money
    currency_code: string
  }
  order: null | {
    id: string
    display_id: number | string | null
    email: string | null
    item_count: number
    items: LineItemVariables[]
    subtotal: Money
    shipping_total: Money
    tax_total: Money
    total: Money
    currency_code: string
    created_at: string | null
  }
  /** `address`: the sender's postal address (the `storeAddress` option or the settings page). */
  store: { name: string; url: string; address?: string | null }
  /** The brand's logo, colours and font stack, for the blocks' layout. */
  brand: BrandVariables
  links: { recovery: string | null; unsubscribe: string | null; preferences: string | null }
  flow: { name: string }
  /** Only in steps with `discount: true`. */
  discount: null | { code: string; value: string; expires_at: string }
  /** Related products the customer has not bought, in post-purchase steps that show them. */
  recommendations: { title: string; thumbnail: string | null; url: string; product_id: string }[]
}

// A cart, order or customer as Medusa's Query returns it: loosely typed, with optional relations.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Raw = Record<string, any> | null | undefined

/** Medusa amounts are numbers, numeric strings or BigNumber objects, in major units (10.5 = $10.50). */
function amountOf(value: unknown): number {
  if (value && typeof value === "object") {
    const big = value as { numeric?: unknown; value?: unknown }
    return amountOf(big.numeric ?? big.value)
  }
  const number = Number(value ?? 0)
  return Number.isFinite(number) ? number : 0
}

function moneyFormatter(currency: string, locale: string) {
  try {
    const format = new Intl.NumberFormat(locale, { style: "currency", currency: currency.toUpperCase() })
    return (value: unknown) => format.format(amountOf(value))
  } catch {
    return (value: unknown) => `${amountOf(value).toFixed(2)} ${currency.toUpperCase()}`.trim()
  }
}

const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null)

function reviewUrl(pattern: string | undefined, productId: string | null, handle: string | null): string | null {
  if (!pattern || !productId || (pattern.includes("{product_handle}") && !handle)) {
    return null
  }
  return pattern.replace("{product_id}", encodeURIComponent(productId)).replace("{product_handle}", encodeURIComponent(handle ?? ""))
}

function itemsOf(record: Raw, money: (value: unknown) => Money, reviewPattern?: string): LineItemVariables[] {
  return ((record?.items as Raw[]) ?? []).map((item) => {
    const quantity = amountOf(item?.quantity)
    const unitPrice = amountOf(item?.unit_price)
    return {
      title: text(item?.title) ?? text(item?.product_title) ?? "",
      product_title: text(item?.product_title),
      variant_title: text(item?.variant_title),
      quantity,
      thumbnail: text(item?.thumbnail),
      unit_price: money(unitPrice),
      total: money(item?.total ?? unitPrice * quantity),
      product_id: text(item?.product_id),
      product_handle: text(item?.product_handle),
      variant_id: text(item?.variant_id),
      review_url: reviewUrl(reviewPattern, text(item?.product_id), text(item?.product_handle)),
    }
  })
}

const itemCount = (record: Raw) => ((record?.items as Raw[]) ?? []).reduce((n, item) => n + amountOf(item?.quantity), 0)

/** Builds what templates see from loosely typed Medusa records. Missing pieces become null, never errors. */
export function buildTemplateVariables(input: {
  customer?: Raw
  cart?: Raw
  order?: Raw
  store: { name: string; url: string; address?: string | null }
  brand?: BrandVariables
  links?: Partial<TemplateVariables["links"]>
  flow?: { name: string }
  discount?: { code: string; percentage: number; expires_at: Date } | null
  /** e.g. "https://shop.example.com/products/{product_handle}#reviews" */
  reviewUrl?: string
  recommendations?: TemplateVariables["recommendations"]
  locale?: string
}): TemplateVariables {
  const locale = input.locale ?? "en-US"
  const { cart, order, customer } = input
  const cartMoney = moneyFormatter(text(cart?.currency_code) ?? "usd", locale)
  const orderMoney = moneyFormatter(text(order?.currency_code) ?? "usd", locale)
  return {
    customer: {
      first_name: text(customer?.first_name),
      last_name: text(customer?.last_name),
      email: text(customer?.email) ?? text(cart?.email) ?? text(order?.email),
      phone: text(customer?.phone),
    },
    cart: cart
      ? {
          id: String(cart.id ?? ""),
          email: text(cart.email),
          item_count: itemCount(cart),
          items: itemsOf(cart, cartMoney),
          subtotal: cartMoney(cart.subtotal),
          total: cartMoney(cart.total),
          currency_code: text(cart.currency_code) ?? "",
        }
      : null,
    order: order
      ? {
          id: String(order.id ?? ""),
          display_id: order.display_id ?? null,
          email: text(order.email),
          item_count: itemCount(order),
          items: itemsOf(order, orderMoney, input.reviewUrl),
          subtotal: orderMoney(order.subtotal),
          shipping_total: orderMoney(order.shipping_total),
          tax_total: orderMoney(order.tax_total),
          total: orderMoney(order.total),
          currency_code: text(order.currency_code) ?? "",
          created_at: order.created_at ? new Date(order.created_at).toISOString() : null,
        }
      : null,
    store: { ...input.store, address: input.store.address ?? null },
    brand: input.brand ?? brandVariables(DEFAULT_BRAND),
    links: { recovery: null, unsubscribe: null, preferences: null, ...input.links },
    flow: input.flow ?? { name: "" },
    discount: input.discount
      ? {
          code: input.discount.code,
          value: new Intl.NumberFormat(locale, { style: "percent" }).format(input.discount.percentage / 100),
          expires_at: new Intl.DateTimeFormat(locale, { dateStyle: "long" }).format(input.discount.expires_at),
        }
      : null,
    recommendations: input.recommendations ?? [],
  }
}
