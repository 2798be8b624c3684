import { randomBytes } from "node:crypto"
import type { EmailBlock } from "../../../engine"

/**
 * Turns designer blocks into MJML. What the owner typed never becomes markup: it is HTML-escaped, and
 * its Liquid (`{{ }}`, `{% %}`) is swapped for opaque tokens that MJML passes through untouched and that
 * are put back after the compile. The compiled HTML is then a Liquid template like any other, so the
 * values a send inserts are escaped by the HTML engine (`outputEscape: "escape"`).
 *
 * The brand is not baked in: the colours are placeholders replaced by `{{ brand.* }}` after the compile,
 * so a change in the settings page reaches every saved email without compiling it again.
 */
export class LiquidSlots {
  private readonly nonce = randomBytes(6).toString("hex")
  private readonly sources: string[] = []

  /** A token standing for this Liquid source; letters and digits only, valid anywhere in MJML. */
  put(source: string): string {
    this.sources.push(source)
    return `lq${this.nonce}x${this.sources.length - 1}x`
  }

  /** The owner's text as HTML: escaped, its Liquid kept, line breaks kept. */
  text(input: string): string {
    return this.escapeKeepingLiquid(input).replace(/\r?\n/g, "<br>")
  }

  /** An attribute value (a link, an image's alt): escaped, its Liquid kept. */
  attribute(input: string): string {
    return this.escapeKeepingLiquid(input.trim())
  }

  private escapeKeepingLiquid(input: string): string {
    let out = ""
    let last = 0
    for (const match of input.matchAll(LIQUID)) {
      out += escapeHtml(input.slice(last, match.index)) + this.put(match[0])
      last = match.index + match[0].length
    }
    return out + escapeHtml(input.slice(last))
  }

  /** Puts the Liquid back into the compiled HTML. */
  restore(html: string): string {
    return html.replace(new RegExp(`lq${this.nonce}x(\\d+)x`, "g"), (_token, index: string) => this.sources[Number(index)] ?? "")
  }
}

const LIQUID = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g

export function escapeHtml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")
}

/**
 * Colours MJML must see as valid hex while it compiles; each is replaced by its brand variable after.
 * No block takes a colour of its own, so these values cannot come from the owner.
 */
export const BRAND_PLACEHOLDERS = {
  "#010203": "{{ brand.accent_color }}",
  "#040506": "{{ brand.background_color }}",
  "#070809": "{{ brand.text_color }}",
  "#0a0b0c": "{{ brand.on_accent_color }}",
} as const
const ACCENT = "#010203"
const BACKGROUND = "#040506"
const TEXT = "#070809"
const ON_ACCENT = "#0a0b0c"
const MUTED = "#71717a"
const CARD = "#ffffff"
const RULE = "#e4e4e7"

type Render = (block: EmailBlock, slots: LiquidSlots) => string

/** A block's content in the white card, one section each so every block stacks on a phone. */
const section = (content: string, padding = "8px 0") =>
  `<mj-section background-color="${CARD}" padding="${padding}"><mj-column>${content}</mj-column></mj-section>`

/** Shows the MJML between the tags only when the Liquid condition holds at send time. */
const onlyIf = (slots: LiquidSlots, condition: string, mjml: string, otherwise = "") =>
  `<mj-raw>${slots.put(`{% if ${condition} %}`)}</mj-raw>${mjml}${
    otherwise ? `<mj-raw>${slots.put("{% else %}")}</mj-raw>${otherwise}` : ""
  }<mj-raw>${slots.put("{% endif %}")}</mj-raw>`

const TEXT_STYLES = {
  heading: 'font-size="24px" line-height="32px" font-weight="bold"',
  paragraph: 'font-size="16px" line-height="24px"',
  small: `font-size="13px" line-height="20px" color="${MUTED}"`,
}

function itemRows(slots: LiquidSlots, source: "cart" | "order", showTotal: boolean, reviewLinks: boolean): string {
  const L = (liquid: string) => slots.put(liquid)
  const cell = "vertical-align:top;padding:8px 0;"
  return `${L(`{% for item in ${source}.items %}`)}<tr>
<td width="72" style="${cell}">${L("{% if item.thumbnail %}")}<img src="${L("{{ item.thumbnail }}")}" width="64" height="64" alt="" style="display:block;width:64px;height:64px;border-radius:4px;object-fit:cover;">${L("{% endif %}")}</td>
<td style="${cell}padding-left:12px;">${L("{{ item.title }}")}${L("{% if item.variant_title %}")}<br><span style="color:${MUTED};font-size:14px;">${L("{{ item.variant_title }}")}</span>${L("{% endif %}")}<br><span style="color:${MUTED};font-size:14px;">Qty ${L("{{ item.quantity }}")}</span></td>
<td align="right" style="${cell}white-space:nowrap;">${
    reviewLinks
      ? `${L("{% if item.review_url %}")}<a href="${L("{{ item.review_url }}")}" style="color:${ACCENT};font-weight:bold;">Write a review</a>${L("{% endif %}")}`
      : L("{{ item.total }}")
  }</td>
</tr>${L("{% endfor %}")}${
    showTotal
      ? `<tr><td colspan="2" style="padding:12px 0;border-top:1px solid ${RULE};font-weight:bold;">Total</td><td align="right" style="padding:12px 0;border-top:1px solid ${RULE};font-weight:bold;white-space:nowrap;">${L(`{{ ${source}.total }}`)}</td></tr>`
      : ""
  }`
}

const RENDER: { [T in EmailBlock["type"]]: (block: Extract<EmailBlock, { type: T }>, slots: LiquidSlots) => string } = {
  header: (_block, slots) =>
    onlyIf(
      slots,
      "brand.logo_url",
      section(
        `<mj-image src="${slots.put("{{ brand.logo_url }}")}" alt="${slots.put("{{ store.name }}")}" href="${slots.put("{{ store.url }}")}" width="160px" align="left" padding="8px 24px" />`,
        "16px 0 8px"
      ),
      section(`<mj-text font-size="20px" line-height="28px" font-weight="bold">${slots.put("{{ store.name }}")}</mj-text>`, "16px 0 8px")
    ),
  text: (block, slots) =>
    section(`<mj-text ${TEXT_STYLES[block.style ?? "paragraph"]} align="${block.align ?? "left"}">${slots.text(block.text)}</mj-text>`),
  image: (block, slots) =>
    section(
      `<mj-image src="${slots.attribute(block.src)}" alt="${slots.attribute(block.alt ?? "")}"${
        block.href ? ` href="${slots.attribute(block.href)}"` : ""
      }${block.width ? ` width="${block.width}px"` : ""} padding="8px 24px" />`
    ),
  button: (block, slots) =>
    section(
      `<mj-button href="${slots.attribute(block.href)}" align="${block.align ?? "center"}" background-color="${ACCENT}" color="${ON_ACCENT}" font-size="16px" font-weight="bold" border-radius="6px" inner-padding="12px 24px" padding="16px 24px">${slots.text(block.label)}</mj-button>`
    ),
  items: (block, slots) =>
    onlyIf(
      slots,
      `${block.source}.items.size > 0`,
      section(
        `<mj-table padding="8px 24px" font-size="16px" line-height="22px" color="${TEXT}">${itemRows(slots, block.source, block.show_total ?? true, block.review_links ?? false)}</mj-table>`
      )
    ),
  recommendations: (block, slots) =>
    onlyIf(
      slots,
      "recommendations.size > 0",
      section(
        `<mj-text font-size="18px" line-height="26px" font-weight="bold">${slots.text(block.title ?? "You may also like")}</mj-text>` +
          `<mj-table padding="8px 24px" font-size="16px" line-height="22px" color="${TEXT}">${slots.put("{% for product in recommendations %}")}<tr>
<td width="72" style="vertical-align:top;padding:8px 0;">${slots.put("{% if product.thumbnail %}")}<a href="${slots.put("{{ product.url }}")}"><img src="${slots.put("{{ product.thumbnail }}")}" width="64" height="64" alt="" style="display:block;width:64px;height:64px;border-radius:4px;object-fit:cover;"></a>${slots.put("{% endif %}")}</td>
<td style="vertical-align:middle;padding:8px 0 8px 12px;"><a href="${slots.put("{{ product.url }}")}" style="color:${TEXT};text-decoration:none;font-weight:bold;">${slots.put("{{ product.title }}")}</a></td>
<td align="right" style="vertical-align:middle;padding:8px 0;"><a href="${slots.put("{{ product.url }}")}" style="color:${ACCENT};">View</a></td>
</tr>${slots.put("{% endfor %}")}</mj-table>`
      )
    ),
  discount: (block, slots) =>
    onlyIf(
      slots,
      "discount",
      section(
        `<mj-text align="center">${slots.text(block.text ?? "Use this code at checkout before {{ discount.expires_at }}. It works once.")}</mj-text>` +
          `<mj-text align="center" padding="8px 24px 16px"><div style="display:inline-block;padding:12px 24px;border:2px dashed ${ACCENT};border-radius:6px;font-size:24px;line-height:32px;font-weight:bold;letter-spacing:2px;">${slots.put(
            "{{ discount.code }}"
          )}</div></mj-text>`
      )
    ),
  divider: () => section(`<mj-divider border-width="1px" border-color="${RULE}" padding="8px 24px" />`),
  footer: (block, slots) =>
    `<mj-section padding="16px 0 24px"><mj-column><mj-text font-size="12px" line-height="18px" color="${MUTED}" align="center">${
      block.text ? `${slots.text(block.text)}<br><br>` : ""
    }${slots.put("{% if store.address %}")}${slots.put("{{ store.address | escape | newline_to_br | raw }}")}<br>${slots.put(
      "{% endif %}"
    )}You receive this email from ${slots.put("{{ store.name }}")}. <a href="${slots.put(
      "{{ links.unsubscribe }}"
    )}" style="color:${MUTED};">Unsubscribe</a></mj-text></mj-column></mj-section>`,
}

/** The MJML document for the blocks. An email without a footer block gets one: the address and unsubscribe link are not optional. */
export function blocksToMjml(blocks: EmailBlock[], slots: LiquidSlots): string {
  const all = blocks.some((block) => block.type === "footer") ? blocks : [...blocks, { type: "footer" as const }]
  const body = all.map((block) => (RENDER[block.type] as Render)(block, slots)).join("\n")
  return `<mjml lang="en">
<mj-head>
<mj-title>${slots.put("{{ store.name }}")}</mj-title>
<mj-attributes>
<mj-all font-family="${slots.put("{{ brand.font_family }}")}" />
<mj-text color="${TEXT}" font-size="16px" line-height="24px" padding="8px 24px" />
</mj-attributes>
</mj-head>
<mj-body background-color="${BACKGROUND}" width="600px">
<mj-section padding="12px 0 0"><mj-column></mj-column></mj-section>
${body}
</mj-body>
</mjml>`
}
