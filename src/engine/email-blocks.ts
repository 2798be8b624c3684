import { z } from "zod"
import { BRAND_FONTS, type BrandFont } from "./constants"

// An email built from blocks (the designer) rather than written as HTML. The blocks are compiled to
// HTML through MJML on the server when the flow is saved; what the blocks hold is the owner's text and
// links, in which `{{ }}` and `{% %}` are Liquid and everything else is shown as written, never as markup.

/** Bounds the MJML compile a save causes: MJML is CPU-heavy, and a long email is not read anyway. */
export const MAX_EMAIL_BLOCKS = 40
export const MAX_BLOCK_TEXT_CHARS = 5_000
const MAX_URL_CHARS = 2_000

/** An http(s) URL, a mailto: link, or a Liquid variable such as `{{ links.recovery }}`. */
const link = z
  .string()
  .trim()
  .min(1)
  .max(MAX_URL_CHARS)
  .refine((value) => /^(https?:\/\/|mailto:|\{\{)/i.test(value), { message: "expected an http(s) URL or a {{ variable }}" })
const align = z.enum(["left", "center"]).optional()

export const emailBlockSchema = z.discriminatedUnion("type", [
  /** The brand's logo, or the store's name when there is none. */
  z.strictObject({ type: z.literal("header") }),
  z.strictObject({
    type: z.literal("text"),
    text: z.string().min(1).max(MAX_BLOCK_TEXT_CHARS),
    style: z.enum(["heading", "paragraph", "small"]).optional(),
    align,
  }),
  z.strictObject({
    type: z.literal("image"),
    src: link,
    alt: z.string().max(300).optional(),
    href: link.optional(),
    /** Pixels, at most the email's 600px width. */
    width: z.number().int().min(40).max(600).optional(),
  }),
  z.strictObject({ type: z.literal("button"), label: z.string().min(1).max(200), href: link, align }),
  /** The line items of the cart or order, with the total. */
  z.strictObject({
    type: z.literal("items"),
    source: z.enum(["cart", "order"]),
    show_total: z.boolean().optional(),
    /** A "Write a review" link per product (`item.review_url`) in place of its price. */
    review_links: z.boolean().optional(),
  }),
  /** Up to three related products (`recommendations`), shown only when there are some. */
  z.strictObject({ type: z.literal("recommendations"), title: z.string().max(200).optional() }),
  /** The step's discount code (`discount: true`), shown only when there is one. */
  z.strictObject({ type: z.literal("discount"), text: z.string().max(500).optional() }),
  z.strictObject({ type: z.literal("divider") }),
  /** The sender's postal address and the unsubscribe link; an email built from blocks always ends with them. */
  z.strictObject({ type: z.literal("footer"), text: z.string().max(1_000).optional() }),
])
export type EmailBlock = z.infer<typeof emailBlockSchema>

export const emailBlocksSchema = z
  .array(emailBlockSchema)
  .min(1, "an email needs at least one block")
  .max(MAX_EMAIL_BLOCKS, `an email can have at most ${MAX_EMAIL_BLOCKS} blocks`)

/** What every block is drawn with: set once in the settings page, defaulting from the plugin options. */
export type Brand = {
  logo_url: string | null
  accent_color: string
  background_color: string
  text_color: string
  font: BrandFont
}

export const DEFAULT_BRAND: Brand = {
  logo_url: null,
  accent_color: "#18181b",
  background_color: "#f4f4f5",
  text_color: "#18181b",
  font: "helvetica",
}

export const HEX_COLOR = /^#[0-9a-fA-F]{6}$/
const hexColor = z.string().regex(HEX_COLOR, "expected a colour as #rrggbb")

export const brandSettingsSchema = z.strictObject({
  logo_url: z
    .url({ protocol: /^https?$/ })
    .max(MAX_URL_CHARS)
    .nullable()
    .optional(),
  accent_color: hexColor.optional(),
  background_color: hexColor.optional(),
  text_color: hexColor.optional(),
  font: z.enum(Object.keys(BRAND_FONTS) as [BrandFont, ...BrandFont[]]).optional(),
  /** The sender's postal address, which commercial email must carry (CAN-SPAM). */
  address: z.string().trim().max(500).nullable().optional(),
})
export type BrandSettings = z.infer<typeof brandSettingsSchema>

/** What templates see as `brand`: the colours and the font stack, ready for a style attribute. */
export function brandVariables(brand: Brand) {
  return {
    logo_url: brand.logo_url,
    accent_color: brand.accent_color,
    background_color: brand.background_color,
    text_color: brand.text_color,
    /** Text on the accent colour (a button's label): dark on a light accent, white on a dark one. */
    on_accent_color: relativeLuminance(brand.accent_color) > 0.4 ? "#18181b" : "#ffffff",
    font_family: BRAND_FONTS[brand.font],
  }
}

/** WCAG relative luminance of a #rrggbb colour, 0 (black) to 1 (white). */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((at) => {
    const channel = parseInt(hex.slice(at, at + 2), 16) / 255
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4
  })
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}
export type BrandVariables = ReturnType<typeof brandVariables>
