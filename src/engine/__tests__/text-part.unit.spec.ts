import { buildTemplateVariables, renderEmail } from ".."

// Counts the HTML-to-text conversions the engine makes.
let conversions = 0
jest.mock("html-to-text", () => {
  const actual = jest.requireActual("html-to-text")
  return {
    ...actual,
    compile: (options: unknown) => {
      const convert = actual.compile(options)
      return (html: string) => {
        conversions++
        return convert(html)
      }
    },
  }
})

const personalLinks = () => /https:\/\/shop\.example\.com\/flows\/(?:r\/|[a-z-]+\?token=)([A-Za-z0-9._~%-]+)/g
const template = (words: string) => ({
  subject: "News",
  html:
    `<h1>Back in stock <a href="{{ links.recovery }}">for you</a></h1><table><tr><td>${words}</td>` +
    '<td><a href="{{ links.unsubscribe }}">Unsubscribe</a> at any time, or change how often we write</td></tr></table>',
})
const variablesOf = (token: string, code: string) =>
  buildTemplateVariables({
    store: { name: "Shop", url: "https://shop.example.com" },
    links: {
      recovery: `https://shop.example.com/flows/r/${code}`,
      unsubscribe: `https://shop.example.com/flows/unsubscribe?token=${token}`,
      preferences: null,
    },
  })
// Long enough to wrap: the words after the unsubscribe link fill its line, so where they break depends on the token's length.
const words = "Our most loved products are back in stock, so take a look before they are gone again this week"

describe("the text part of emails that differ only in their personal links", () => {
  beforeEach(() => (conversions = 0))

  it("is made once, and is what each recipient's own HTML makes", async () => {
    const recipients = [
      ["tok.AAAA-1111~%2F", "c0de1"],
      ["tokBBBBB-2222xyz1", "c0de2"],
      ["tok.AAAA-1111~%2F", "c0de1"],
      ["a-much-longer-token.with.more.parts-3333", "c0de3"],
      ["tokBBBBB-2222xyz1", "c0de2"],
    ]
    const shared = await Promise.all(
      recipients.map(([token, code]) => renderEmail(template(words), variablesOf(token, code), personalLinks()))
    )
    // Same-length tokens share one conversion; the longer one wraps differently and makes its own.
    expect(conversions).toBe(2)

    const own = await Promise.all(recipients.map(([token, code]) => renderEmail(template(words), variablesOf(token, code))))
    expect(shared.map((email) => email.text)).toEqual(own.map((email) => email.text))
    expect(own[3].text).toContain("https://shop.example.com/flows/unsubscribe?token=a-much-longer-token.with.more.parts-3333")
    expect(new Set(own.map((email) => email.text)).size).toBe(3)
  })

  it("converts a body with a token in its visible text for itself: a heading is uppercased", async () => {
    const visible = { subject: "News", html: "<h1>Your cart: {{ links.recovery }}</h1><p>{{ links.unsubscribe }}</p>" }
    const emails = await Promise.all(["c0de6", "c0de7"].map((code) => renderEmail(visible, variablesOf("tokEEEE", code), personalLinks())))
    expect(emails.map((email) => email.text)).toEqual([
      "YOUR CART: HTTPS://SHOP.EXAMPLE.COM/FLOWS/R/C0DE6\n\nhttps://shop.example.com/flows/unsubscribe?token=tokEEEE",
      "YOUR CART: HTTPS://SHOP.EXAMPLE.COM/FLOWS/R/C0DE7\n\nhttps://shop.example.com/flows/unsubscribe?token=tokEEEE",
    ])
  })

  it("leaves a body that holds private-use characters of its own as it is, written as characters or references", async () => {
    for (const [own, shown] of [
      ["\ue000\ue000\ue000\ue000\ue000\ue000\ue000", "\ue000".repeat(7)],
      ["&#xE000;&#xe000;&#57344;&#57344;&#xE000;&#xE000;&#57344;", "\ue000".repeat(7)],
    ]) {
      const email = await renderEmail(template(`${words} ${own}`), variablesOf("tokCCCC", "c0de4"), personalLinks())
      expect(email.text).toContain(shown)
      expect(email.text).toContain("token=tokCCCC")
      expect(email.text).toContain("flows/r/c0de4")
    }
  })

  it("keeps only the latest bodies", async () => {
    for (let i = 0; i < 20; i++) {
      await renderEmail(template(`${words} ${i}`), variablesOf("tokDDDD", "c0de5"), personalLinks())
    }
    await renderEmail(template(`${words} 0`), variablesOf("tokDDDD", "c0de5"), personalLinks())
    await renderEmail(template(`${words} 19`), variablesOf("tokDDDD", "c0de5"), personalLinks())
    // 20 conversions, then the first body again (no longer kept), then the last (still kept).
    expect(conversions).toBe(21)
  })
})
