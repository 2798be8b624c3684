const mockMjmlLoads = jest.fn()
jest.mock("mjml", () => {
  mockMjmlLoads()
  return jest.requireActual("mjml")
})

// Required after the mock above is in place; the tests run in order, sharing the module's state.
const { compileBlocks, savedEmail } = require("../email/compile") as typeof import("../email/compile")

describe("email blocks: loading MJML", () => {
  it("a saved version's email is its saved HTML, and MJML is not loaded for it", async () => {
    const saved = { subject: "s", blocks: [{ type: "text" as const, text: "Hello" }], html: "<p>compiled when saved</p>" }
    expect(await savedEmail(saved)).toEqual(saved)
    expect(mockMjmlLoads).not.toHaveBeenCalled()
  })

  it("loads MJML on the first compile, once", async () => {
    const html = await compileBlocks([{ type: "text", text: "Hello" }])
    expect(html).toMatch(/^<!doctype html>/i)
    expect(html).toContain("Hello")
    expect(mockMjmlLoads).toHaveBeenCalledTimes(1)

    // A version saved without its blocks' HTML has them compiled for the send.
    const unsaved = await savedEmail({ subject: "s", blocks: [{ type: "text", text: "Hello again" }] })
    expect(unsaved.html).toContain("Hello again")
    expect(mockMjmlLoads).toHaveBeenCalledTimes(1)
  })
})
