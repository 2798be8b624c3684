import { discountCodeFor } from "../discounts"

describe("discount codes", () => {
  it("gives a run step the same code every time, and other steps and runs other codes", () => {
    const code = discountCodeFor("secret-a", "COMEBACK", "flowrun_1", "last-call")
    expect(code).toMatch(/^COMEBACK-[0-9A-F]{10}$/)
    expect(discountCodeFor("secret-a", "COMEBACK", "flowrun_1", "last-call")).toBe(code)
    expect(discountCodeFor("secret-a", "COMEBACK", "flowrun_2", "last-call")).not.toBe(code)
    expect(discountCodeFor("secret-a", "COMEBACK", "flowrun_1", "other")).not.toBe(code)
    // Without the secret, nobody can work out another shopper's code from a run id.
    expect(discountCodeFor("secret-b", "COMEBACK", "flowrun_1", "last-call")).not.toBe(code)
  })
})
