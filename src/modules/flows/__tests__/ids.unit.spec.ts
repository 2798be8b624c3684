import { decodeTime } from "ulid"
import { newId } from "../sql/ids"

describe("newId", () => {
  it("makes Medusa-style ids: the prefix, then a ULID of the current time with a random part", () => {
    const before = Date.now()
    const ids = Array.from({ length: 5000 }, () => newId("flowmsg"))
    const after = Date.now()
    for (const id of ids) {
      expect(id).toMatch(/^flowmsg_[0-9A-HJKMNP-TV-Z]{26}$/)
      const at = decodeTime(id.slice("flowmsg_".length))
      expect(at).toBeGreaterThanOrEqual(before)
      expect(at).toBeLessThanOrEqual(after)
    }
    // Drawn past the 4 KB pool several times over, and never the same twice.
    expect(new Set(ids).size).toBe(ids.length)
    expect(new Set(ids.map((id) => id.slice(-16))).size).toBe(ids.length)
  })
})
