import { GroupCommit } from "../group-commit"

describe("GroupCommit", () => {
  it("writes the calls of one turn together, and those made meanwhile in the next group", async () => {
    const groups: number[][] = []
    let release!: () => void
    const firstWritten = new Promise<void>((resolve) => (release = resolve))
    const commit = new GroupCommit<number, number>(async (inputs) => {
      groups.push(inputs)
      if (groups.length === 1) {
        await firstWritten
      }
      return inputs.map((n) => n * 10)
    })
    const first = [commit.push(1), commit.push(2)]
    await new Promise((resolve) => setImmediate(resolve))
    const meanwhile = [commit.push(3), commit.push(4), commit.push(5)]
    release()
    expect(await Promise.all([...first, ...meanwhile])).toEqual([10, 20, 30, 40, 50])
    expect(groups).toEqual([
      [1, 2],
      [3, 4, 5],
    ])
  })

  it("keeps groups within their maximum size", async () => {
    const sizes: number[] = []
    const commit = new GroupCommit<number, number>(async (inputs) => {
      sizes.push(inputs.length)
      return inputs
    }, 2)
    await Promise.all([1, 2, 3, 4, 5].map((n) => commit.push(n)))
    expect(sizes).toEqual([2, 2, 1])
  })

  it("writes a failed group again call by call, so only the bad call fails", async () => {
    const commit = new GroupCommit<number, number>(async (inputs) => {
      if (inputs.includes(13)) {
        throw new Error("thirteen")
      }
      return inputs
    })
    const results = await Promise.allSettled([commit.push(1), commit.push(13), commit.push(2)])
    expect(results).toEqual([
      { status: "fulfilled", value: 1 },
      { status: "rejected", reason: new Error("thirteen") },
      { status: "fulfilled", value: 2 },
    ])
  })
})
