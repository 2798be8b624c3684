import {
  buildTemplateVariables,
  renderEmail,
  renderSms,
  sampleTemplateVariables,
  TemplateRenderError,
  templateIssuesOf,
  parseFlowDefinition,
  validateTemplate,
} from ".."

const store = { name: "Tom & Jerry's", url: "https://shop.example.com" }
const vars = (extra: Partial<Parameters<typeof buildTemplateVariables>[0]> = {}) =>
  buildTemplateVariables({ store, customer: { first_name: "<script>alert(1)</script>Ann" }, ...extra })

describe("templates", () => {
  it("escapes inserted values in HTML unless the template says raw", async () => {
    const email = await renderEmail({ subject: "s", html: "<p>{{ customer.first_name }}</p><p>{{ '<b>bold</b>' | raw }}</p>" }, vars())
    expect(email.html).toBe("<p>&lt;script&gt;alert(1)&lt;/script&gt;Ann</p><p><b>bold</b></p>")
  })

  it("does not HTML-escape subjects, text parts or SMS", async () => {
    const email = await renderEmail({ subject: "News from {{ store.name }}", html: "<p>x</p>", text: "From {{ store.name }}" }, vars())
    expect(email.subject).toBe("News from Tom & Jerry's")
    expect(email.text).toBe("From Tom & Jerry's")
    expect((await renderSms({ body: "  {{ store.name }} says hi  " }, vars())).body).toBe("Tom & Jerry's says hi")
  })

  it("renders a missing variable as empty", async () => {
    const email = await renderEmail({ subject: "Hi {{ customer.nickname }}!", html: "<p>{{ order.items[0].title }}</p>" }, vars())
    expect(email.subject).toBe("Hi !")
    expect(email.html).toBe("<p></p>")
  })

  it("derives the text part from the HTML when there is none", async () => {
    const email = await renderEmail(
      { subject: "s", html: '<h1>Your cart</h1><p>Still <a href="https://x.example/r">waiting</a></p><img src="a.png">' },
      vars()
    )
    expect(email.text).toBe("YOUR CART\n\nStill waiting [https://x.example/r]")
  })

  it("puts the preheader first in the body, escaped and hidden", async () => {
    const email = await renderEmail(
      { subject: "s", preheader: "Save {{ '<10%>' }}", html: '<html><body class="x"><p>Hi</p></body></html>' },
      vars()
    )
    expect(email.preheader).toBe("Save <10%>")
    expect(email.html).toMatch(/^<html><body class="x"><div style="display:none[^"]*">Save &lt;10%&gt;<\/div><p>Hi<\/p>/)
  })

  it("reports syntax errors with line and column", () => {
    expect(validateTemplate("<p>\n\n  {% if cart %}\n</p>")).toEqual([{ message: "tag {% if cart %} not closed", line: 3, column: 3 }])
    expect(validateTemplate("{{ cart.total | shout }}")).toEqual([{ message: "undefined filter: shout", line: 1, column: 1 }])
    expect(validateTemplate("{% for item in cart.items %}{{ item.title }}{% endfor %}")).toEqual([])
  })

  it("finds template errors anywhere in a flow, by step and field", () => {
    const definition = parseFlowDefinition({
      trigger: { event: "order.placed" },
      steps: [
        {
          id: "branch",
          type: "condition",
          if: { all: [] },
          else: [],
          then: [{ id: "sms", type: "send_sms", template: { body: "Hi {{ customer.first_name" } }],
        },
        { id: "mail", type: "send_email", template: { subject: "{% if x %}", html: "<p>ok</p>" } },
      ],
    })
    expect(templateIssuesOf(definition).map((i) => `${i.path}@${i.line}:${i.column}`)).toEqual([
      "steps.sms.body@1:4",
      "steps.mail.subject@1:1",
    ])
  })

  it("cannot read files", async () => {
    await expect(renderSms({ body: "{% include 'secrets' %}" }, vars())).rejects.toBeInstanceOf(TemplateRenderError)
  })

  it("stops a template that would run away", async () => {
    const bomb = "{% for a in (1..100000) %}{% for b in (1..100000) %}x{% endfor %}{% endfor %}"
    await expect(renderSms({ body: bomb }, vars())).rejects.toBeInstanceOf(TemplateRenderError)
  })
})

describe("template variables", () => {
  const cart = {
    id: "cart_1",
    email: "ann@example.com",
    currency_code: "eur",
    subtotal: { numeric: 1234.5 },
    total: "1234.5",
    items: [
      { title: "Mug", quantity: 2, unit_price: 10.25, thumbnail: "https://img/mug.png", product_id: "prod_1" },
      { product_title: "Tote", quantity: 1, unit_price: { value: "5" } },
    ],
  }

  it("formats money in the cart's currency and the locale, in major units", () => {
    const us = buildTemplateVariables({ store, cart })
    expect(us.cart).toMatchObject({ item_count: 3, total: "€1,234.50", subtotal: "€1,234.50", currency_code: "eur" })
    expect(us.cart!.items[0]).toMatchObject({
      title: "Mug",
      quantity: 2,
      unit_price: "€10.25",
      total: "€20.50",
      thumbnail: "https://img/mug.png",
    })
    expect(us.cart!.items[1]).toMatchObject({ title: "Tote", unit_price: "€5.00", total: "€5.00", thumbnail: null })
    const de = buildTemplateVariables({ store, cart, locale: "de-DE" })
    expect(de.cart!.total).toBe("1.234,50\u00a0€")
    const usd = buildTemplateVariables({ store, cart: { ...cart, currency_code: "usd" } })
    expect(usd.cart!.total).toBe("$1,234.50")
  })

  it("fills what is missing with nulls instead of failing", () => {
    const empty = buildTemplateVariables({ store, cart: { id: "cart_2" } })
    expect(empty).toMatchObject({
      customer: { first_name: null, email: null },
      cart: { item_count: 0, items: [], total: "$0.00" },
      order: null,
      links: { recovery: null, unsubscribe: null },
    })
  })

  it("takes the email from the cart or order when there is no customer", () => {
    expect(buildTemplateVariables({ store, order: { id: "o", email: "guest@example.com" } }).customer.email).toBe("guest@example.com")
  })

  it("has sample data for every preview kind", () => {
    expect(sampleTemplateVariables("cart").cart!.items).toHaveLength(2)
    expect(sampleTemplateVariables("order").order!.total).toBe("$69.00")
    expect(sampleTemplateVariables("customer")).toMatchObject({ cart: null, order: null, customer: { first_name: "Ann" } })
  })
})

describe("template limits", () => {
  const repeat = (times: number, text = "x") => `{% for i in (1..${times}) %}${text}{% endfor %}`

  it("refuses a text message over 1,600 characters, before its segments are counted", async () => {
    await expect(renderSms({ body: repeat(1600) }, vars())).resolves.toEqual({ body: "x".repeat(1600) })
    await expect(renderSms({ body: repeat(1601) }, vars())).rejects.toThrow(
      new TemplateRenderError("the rendered text message has 1,601 characters; at most 1,600 are allowed")
    )
  })

  it("refuses email HTML and text parts over their caps, before the text part is made", async () => {
    const hundred = "<p>" + "x".repeat(93) + "</p>"
    await expect(renderEmail({ subject: "s", html: repeat(2561, hundred) }, vars())).rejects.toThrow(
      new TemplateRenderError("the rendered HTML has 256,100 characters; at most 256,000 are allowed")
    )
    await expect(renderEmail({ subject: "s", html: "<p>x</p>", text: repeat(1001, hundred) }, vars())).rejects.toThrow(
      "the rendered text part has 100,100 characters; at most 100,000 are allowed"
    )
  })

  it("counts what {% capture %} builds toward the memory limit", async () => {
    // Each capture doubles the variable: 20 of them would build ten million characters.
    const doubling = `{% assign a = "0123456789" %}${"{% capture a %}{{ a }}{{ a }}{% endcapture %}".repeat(20)}{{ a | size }}`
    await expect(renderSms({ body: doubling }, vars())).rejects.toThrow(/memory alloc limit exceeded/)
    await expect(renderSms({ body: "{% capture greeting %}Hi {{ store.name }}{% endcapture %}{{ greeting }}!" }, vars())).resolves.toEqual({
      body: "Hi Tom & Jerry's!",
    })
  })
})
