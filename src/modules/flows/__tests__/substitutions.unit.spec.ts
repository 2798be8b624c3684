import { tagPersonalLinks } from "../channels/substitutions"
import { personalLinkPattern } from "../links/signed-links"

const pattern = personalLinkPattern("https://api.example.com")
const link = (n: number) => `https://api.example.com/flows/unsubscribe?token=${"t".repeat(n)}`

describe("tagPersonalLinks", () => {
  it("tags the personal part of each link, one tag per distinct value, and leaves other links alone", () => {
    const recover = "https://api.example.com/flows/recover?token=abc.def"
    const short = "https://api.example.com/flows/r/Xy_9-z"
    const shop = "https://shop.example.com/flows/unsubscribe?token=not-ours"
    const { content, substitutions } = tagPersonalLinks(
      {
        subject: "Hi",
        html: `<a href="${recover}">Cart</a><a href="${link(3)}">Stop</a><a href="${link(3)}">Prefs</a>`,
        text: `${shop} ${recover} ${short}`,
      },
      pattern
    )
    expect(content).toEqual({
      subject: "Hi",
      html:
        '<a href="https://api.example.com/flows/recover?token={flows_link_0}">Cart</a>' +
        '<a href="https://api.example.com/flows/unsubscribe?token={flows_link_1}">Stop</a>' +
        '<a href="https://api.example.com/flows/unsubscribe?token={flows_link_1}">Prefs</a>',
      text: `${shop} https://api.example.com/flows/recover?token={flows_link_0} https://api.example.com/flows/r/{flows_link_2}`,
    })
    expect(substitutions).toEqual({ "{flows_link_0}": "abc.def", "{flows_link_1}": "ttt", "{flows_link_2}": "Xy_9-z" })
  })

  it("leaves content that already holds a tag's text as it is", () => {
    const content = { subject: "Hi", html: `<p>{flows_link_0}</p><a href="${link(3)}">Stop</a>`, text: "" }
    expect(tagPersonalLinks(content, pattern)).toEqual({ content, substitutions: {} })
  })

  it("leaves content as it is when its links exceed SendGrid's 10,000 bytes of substitutions", () => {
    const content = { subject: "Hi", html: [1, 2, 3].map((n) => `<a href="${link(3340 + n)}">x</a>`).join(""), text: "" }
    expect(tagPersonalLinks(content, pattern)).toEqual({ content, substitutions: {} })
    const one = { ...content, html: `<a href="${link(3341)}">x</a>` }
    expect(Object.keys(tagPersonalLinks(one, pattern).substitutions)).toHaveLength(1)
  })
})
