import { keepRecentlyUsed } from "../recently-used"

describe("keepRecentlyUsed", () => {
  it("keeps at most max entries, dropping the one unused longest", () => {
    const map = new Map<string, number>()
    keepRecentlyUsed(map, "a", 1, 2)
    keepRecentlyUsed(map, "b", 2, 2)
    // a is used again, so b is the one unused longest when c comes.
    keepRecentlyUsed(map, "a", 1, 2)
    keepRecentlyUsed(map, "c", 3, 2)
    expect([...map]).toEqual([
      ["a", 1],
      ["c", 3],
    ])
  })

  it("replaces the value of a key it keeps without dropping another", () => {
    const map = new Map([["a", 1]])
    keepRecentlyUsed(map, "a", 2, 1)
    expect([...map]).toEqual([["a", 2]])
  })
})
