import type { Database } from "../sql/database"
import { definitionsOf, KEPT_VERSIONS } from "../sql/smart-sending"

/** A database that answers the versions' read and records which ids each read asked for. */
function countingDatabase() {
  const reads: string[][] = []
  const db = {
    rows: async (_sql: string, [ids]: [string[]]) => {
      reads.push(ids)
      return ids.map((id) => ({ id, definition: { id, steps: [] } }))
    },
  }
  return { db: db as unknown as Database, reads }
}

describe("definitionsOf", () => {
  it("reads each version once for the whole list, and reads only the ones it does not keep", async () => {
    const { db, reads } = countingDatabase()
    const first = await definitionsOf(db, ["a-1", "a-2", "a-1"])
    expect([...first.keys()].sort()).toEqual(["a-1", "a-2"])
    expect(first.get("a-2")).toEqual({ id: "a-2", steps: [] })
    await definitionsOf(db, ["a-2", "a-3"])
    expect(reads).toEqual([["a-1", "a-2"], ["a-3"]])
  })

  it("leaves out a version that does not exist, and keeps at most KEPT_VERSIONS, dropping the one unused longest", async () => {
    const { db, reads } = countingDatabase()
    const missing = { rows: async () => [] } as unknown as Database
    expect((await definitionsOf(missing, ["b-gone"])).size).toBe(0)

    const ids = Array.from({ length: KEPT_VERSIONS }, (_, i) => `b-${i}`)
    await definitionsOf(db, ids)
    // b-0 is used again, so b-1 is the one unused longest when another version comes.
    await definitionsOf(db, ["b-0"])
    await definitionsOf(db, ["b-new"])
    await definitionsOf(db, ["b-0", "b-new", "b-2"])
    expect(reads).toHaveLength(2)
    await definitionsOf(db, ["b-1"])
    expect(reads.at(-1)).toEqual(["b-1"])
  })
})
