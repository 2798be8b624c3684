import {
  brandVariables,
  DEFAULT_BRAND,
  emailTemplateSchema,
  MAX_EMAIL_BLOCKS,
  renderEmail,
  sampleTemplateVariables,
  validateEmailTemplate,
  type EmailBlock,
  type TemplateVariables,
} from "../../../engine"
import { blocksToMjml, LiquidSlots } from "../email/blocks-to-mjml"
import { brandOfOptions, parsePluginOptions } from "../options"
import { BlockCompileError, compileBlocks, compiledEmail } from "../email/compile"

/** The MJML a block becomes, with its Liquid put back, so the assertions read as the owner wrote it. */
function mjmlOf(block: EmailBlock): string {
  const slots = new LiquidSlots()
  const body = blocksToMjml([block], slots).split("<mj-body")[1]
  return slots
    .restore(body.slice(body.indexOf("</mj-section>") + "</mj-section>".length, body.lastIndexOf('<mj-section padding="16px 0 24px">')))
    .trim()
}

async function rendered(blocks: EmailBlock[], variables: TemplateVariables = sampleTemplateVariables("cart")) {
  return await renderEmail({ subject: "s", html: await compileBlocks(blocks) }, variables)
}

describe("email blocks: MJML of each block", () => {
  it("header: the logo linked to the store, else the store's name", async () => {
    expect(mjmlOf({ type: "header" })).toBe(
      '<mj-raw>{% if brand.logo_url %}</mj-raw><mj-section background-color="#ffffff" padding="16px 0 8px"><mj-column><mj-image src="{{ brand.logo_url }}" alt="{{ store.name }}" href="{{ store.url }}" width="160px" align="left" padding="8px 24px" /></mj-column></mj-section><mj-raw>{% else %}</mj-raw><mj-section background-color="#ffffff" padding="16px 0 8px"><mj-column><mj-text font-size="20px" line-height="28px" font-weight="bold">{{ store.name }}</mj-text></mj-column></mj-section><mj-raw>{% endif %}</mj-raw>'
    )
    const sample = sampleTemplateVariables("cart")
    const withLogo = await rendered([{ type: "header" }], {
      ...sample,
      brand: { ...sample.brand, logo_url: "https://cdn.example.com/logo.png" },
    })
    expect(withLogo.html).toMatch(
      /<a\s+href="https:\/\/shop\.example\.com"[^>]*>\s*<img\s+alt="Sample Store"[^>]*src="https:\/\/cdn\.example\.com\/logo\.png"/
    )
    const withoutLogo = await rendered([{ type: "header" }])
    expect(withoutLogo.html).not.toContain("<img")
    expect(withoutLogo.text).toMatch(/^Sample Store/)
  })

  it("text: escaped, its Liquid kept, line breaks kept, styled by kind", async () => {
    expect(
      mjmlOf({ type: "text", text: 'Hi {{ customer.first_name | default: "there" }} <b>&\nbye', style: "heading", align: "center" })
    ).toContain(
      '<mj-text font-size="24px" line-height="32px" font-weight="bold" align="center">Hi {{ customer.first_name | default: "there" }} &lt;b&gt;&amp;<br>bye</mj-text>'
    )
    const email = await rendered([{ type: "text", text: "Hi {{ customer.first_name }} <img src=x onerror=alert(1)>" }])
    expect(email.html).toContain("Hi Ann &lt;img src=x onerror=alert(1)&gt;")
    expect(email.html).not.toContain("<img src=x")
  })

  it("text: a value a send inserts is escaped too", async () => {
    const sample = sampleTemplateVariables("cart")
    const email = await rendered([{ type: "text", text: "Hi {{ customer.first_name }}" }], {
      ...sample,
      customer: { ...sample.customer, first_name: '<mj-button href="x">' },
    })
    expect(email.html).toContain("Hi &lt;mj-button href=&#34;x&#34;&gt;")
  })

  it("image: source, alternative text and link; no script URLs", async () => {
    expect(
      mjmlOf({ type: "image", src: "https://cdn.example.com/a.png", alt: 'A "big" sale', href: "{{ store.url }}", width: 300 })
    ).toContain(
      '<mj-image src="https://cdn.example.com/a.png" alt="A &quot;big&quot; sale" href="{{ store.url }}" width="300px" padding="8px 24px" />'
    )
    const email = await rendered([{ type: "image", src: "https://cdn.example.com/a.png", alt: "Sale", href: "{{ store.url }}" }])
    expect(email.html).toMatch(
      /<a\s+href="https:\/\/shop\.example\.com"[^>]*>\s*<img\s+alt="Sale"[^>]*src="https:\/\/cdn\.example\.com\/a\.png"/
    )
    expect(emailTemplateSchema.safeParse({ subject: "s", blocks: [{ type: "image", src: "javascript:alert(1)" }] }).success).toBe(false)
  })

  it("button: an Outlook-safe button in the accent colour, its label escaped", async () => {
    expect(mjmlOf({ type: "button", label: "Back <now>", href: "{{ links.recovery }}" })).toContain(
      '<mj-button href="{{ links.recovery }}" align="center" background-color="#010203" color="#0a0b0c" font-size="16px" font-weight="bold" border-radius="6px" inner-padding="12px 24px" padding="16px 24px">Back &lt;now&gt;</mj-button>'
    )
    const sample = sampleTemplateVariables("cart")
    const email = await rendered([{ type: "button", label: "Back to your cart", href: "{{ links.recovery }}" }], {
      ...sample,
      brand: brandVariables({ ...DEFAULT_BRAND, accent_color: "#fde047" }),
    })
    // MJML's button is a table cell with bgcolor (Outlook) around the link; a light accent gets dark text.
    expect(email.html).toMatch(
      /<td\s+align="center" bgcolor="#fde047"[^>]*>\s*<a\s+href="https:\/\/shop\.example\.com\/cart\?recover=sample"[^>]*color:#18181b/
    )
    expect(email.text).toContain("Back to your cart [https://shop.example.com/cart?recover=sample]")
  })

  it("items: each line item with image, quantity and price, then the total; nothing without items", async () => {
    const mjml = mjmlOf({ type: "items", source: "order" })
    expect(mjml).toMatch(
      /^<mj-raw>\{% if order\.items\.size > 0 %\}<\/mj-raw><mj-section[^>]*><mj-column><mj-table [^>]*>\{% for item in order\.items %\}<tr>/
    )
    expect(mjml).toContain("{{ order.total }}")
    const email = await rendered([{ type: "items", source: "cart" }])
    expect(email.text).toContain("Canvas Tote\nNatural\nQty 1 $35.00\n\nEnamel Mug\nBlue\nQty 2 $29.00\n\nTotal $64.00")
    expect(email.html).toContain('<img src="https://images.example.com/tote.jpg"')
    const none = await rendered([{ type: "items", source: "order" }])
    expect(none.html).not.toContain("Total")
    const reviews = await rendered(
      [{ type: "items", source: "order", show_total: false, review_links: true }],
      sampleTemplateVariables("order")
    )
    expect(reviews.html).toContain('href="https://shop.example.com/products/canvas-tote#reviews"')
    expect(reviews.html).not.toContain("$69.00")
  })

  it("recommendations: up to the products given, only when there are some", async () => {
    expect(mjmlOf({ type: "recommendations" })).toContain("{% for product in recommendations %}")
    const sample = sampleTemplateVariables("order")
    const products = [
      {
        title: "Linen Apron",
        thumbnail: "https://images.example.com/apron.jpg",
        url: "https://shop.example.com/products/apron",
        product_id: "p1",
      },
    ]
    const email = await rendered([{ type: "recommendations", title: "Picked <for> you" }], { ...sample, recommendations: products })
    expect(email.html).toContain("Picked &lt;for&gt; you")
    expect(email.html).toContain('href="https://shop.example.com/products/apron"')
    expect(email.html).toContain("Linen Apron")
    const none = await rendered([{ type: "recommendations" }], { ...sample, recommendations: [] })
    expect(none.html).not.toContain("You may also like")
  })

  it("discount: the code in the accent colour, only when the step has one", async () => {
    expect(mjmlOf({ type: "discount" })).toMatch(
      /^<mj-raw>\{% if discount %\}<\/mj-raw>.*\{\{ discount\.code \}\}.*<mj-raw>\{% endif %\}<\/mj-raw>$/s
    )
    const sample = sampleTemplateVariables("cart")
    const email = await rendered([{ type: "discount" }], sample)
    expect(email.html).toContain("COMEBACK-SAMPLE1")
    expect(email.html).toContain("border:2px dashed #18181b")
    expect(email.text).toContain("before January 22, 2026")
    expect((await rendered([{ type: "discount" }], { ...sample, discount: null })).html).not.toContain("COMEBACK")
  })

  it("divider", () => {
    expect(mjmlOf({ type: "divider" })).toContain('<mj-divider border-width="1px" border-color="#e4e4e7" padding="8px 24px" />')
  })

  it("footer: the owner's line, the postal address and the unsubscribe link; added when missing", async () => {
    expect(mjmlOf({ type: "footer", text: "Questions? Reply <here>." })).toBe("")
    const slots = new LiquidSlots()
    const mjml = slots.restore(blocksToMjml([{ type: "text", text: "x" }], slots))
    expect(mjml).toContain("{% if store.address %}{{ store.address | escape | newline_to_br | raw }}<br>{% endif %}")
    expect(mjml).toContain('<a href="{{ links.unsubscribe }}"')
    const sample = sampleTemplateVariables("cart")
    const email = await rendered([{ type: "footer", text: "Questions? Reply <here>." }], {
      ...sample,
      store: { ...sample.store, address: "1 Main St\nSpringfield" },
    })
    expect(email.html).toContain(
      "Questions? Reply &lt;here&gt;.<br><br>1 Main St<br />\nSpringfield<br>You receive this email from Sample Store."
    )
    expect(email.html).toContain('href="https://shop.example.com/unsubscribe?sample"')
  })
})

describe("email blocks: compiling", () => {
  it("is responsive and Outlook-safe: a 600px body with mobile media queries and MSO tables", async () => {
    const html = await compileBlocks([{ type: "text", text: "Hello" }])
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">')
    expect(html).toContain("@media only screen and (min-width:480px)")
    expect(html).toContain("<!--[if mso | IE]>")
    expect(html).toContain("max-width:600px")
    expect(html).toContain("font-family:{{ brand.font_family }}")
    expect(html).toContain("background-color:{{ brand.background_color }}")
  })

  it("compiles the same blocks once", () => {
    const blocks: EmailBlock[] = [{ type: "text", text: `once ${Math.random()}` }]
    expect(compileBlocks(blocks)).toBe(compileBlocks(JSON.parse(JSON.stringify(blocks))))
  })

  it("replaces whatever html a template with blocks came with", async () => {
    const template = await compiledEmail({ subject: "s", html: "<p>stale</p>", blocks: [{ type: "text", text: "fresh" }] })
    expect(template.html).toContain("fresh")
    expect(template.html).not.toContain("stale")
  })

  it("does not let the owner's text forge a Liquid token", async () => {
    const email = await rendered([{ type: "text", text: "lq000000000000x0x and {{ customer.first_name }}" }])
    expect(email.html).toContain("lq000000000000x0x and Ann")
  })

  it("refuses Liquid opened in one block and closed in none", async () => {
    const blocks: EmailBlock[] = [{ type: "text", text: "{% if customer.first_name %}Hi" }]
    await expect(compileBlocks(blocks)).rejects.toBeInstanceOf(BlockCompileError)
    // The field on its own names the block.
    expect(validateEmailTemplate({ subject: "s", blocks })).toEqual([expect.objectContaining({ field: "blocks.0.text" })])
  })

  it("bounds the blocks: their number and their text", () => {
    const text = { type: "text", text: "x" }
    expect(emailTemplateSchema.safeParse({ subject: "s", blocks: Array(MAX_EMAIL_BLOCKS).fill(text) }).success).toBe(true)
    expect(emailTemplateSchema.safeParse({ subject: "s", blocks: Array(MAX_EMAIL_BLOCKS + 1).fill(text) }).success).toBe(false)
    expect(emailTemplateSchema.safeParse({ subject: "s", blocks: [{ type: "text", text: "x".repeat(5_001) }] }).success).toBe(false)
    expect(emailTemplateSchema.safeParse({ subject: "s", blocks: [{ type: "text", text: "x", style: "<b>" }] }).success).toBe(false)
    expect(emailTemplateSchema.safeParse({ subject: "s", blocks: [{ type: "marquee" }] }).success).toBe(false)
    expect(emailTemplateSchema.safeParse({ subject: "s" }).success).toBe(false)
  })
})

describe("brand options", () => {
  const valid = { storefrontUrl: "https://shop.example.com", secret: "a-secret-that-is-at-least-32-chars-long" }

  it("defaults the brand and reads storeAddress and brand from the options", () => {
    expect(brandOfOptions(parsePluginOptions(valid))).toEqual({ ...DEFAULT_BRAND, address: null })
    const options = parsePluginOptions({
      ...valid,
      storeAddress: " 1 Main St\nSpringfield ",
      brand: { logoUrl: "https://cdn.example.com/logo.png", accentColor: "#2563EB", font: "georgia" },
    })
    expect(brandOfOptions(options)).toEqual({
      ...DEFAULT_BRAND,
      logo_url: "https://cdn.example.com/logo.png",
      accent_color: "#2563EB",
      font: "georgia",
      address: "1 Main St\nSpringfield",
    })
    expect(brandVariables(brandOfOptions(options))).toMatchObject({
      on_accent_color: "#ffffff",
      font_family: "Georgia, Times New Roman, serif",
    })
  })

  it.each([
    [{ brand: { accentColor: "blue" } }, /accentColor/],
    [{ brand: { logoUrl: "javascript:alert(1)" } }, /logoUrl/],
    [{ brand: { font: "Comic Sans MS" } }, /font/],
    [{ brand: { colour: "#000000" } }, /colour/],
    [{ storeAddress: "x".repeat(501) }, /storeAddress/],
  ])("refuses %j", (input, message) => {
    expect(() => parsePluginOptions({ ...valid, ...input })).toThrow(message)
  })
})
