import type FlowsModuleService from "../../../modules/flows/service"
import { drainCache, MAX_KEPT } from "../drain-cache"

/** A module service that counts reads of flows; `failing` ids are refused once. */
function countingFlows(failing: string[] = []) {
  const reads: string[] = []
  const refuse = new Set(failing)
  const flows = {
    retrieveFlow: async (id: string) => {
      reads.push(id)
      if (refuse.delete(id)) {
        throw new Error(`${id} could not be read`)
      }
      return { name: `Flow ${id}` }
    },
    brandForTemplates: async () => ({}),
  }
  return { flows: flows as unknown as FlowsModuleService, reads }
}

describe("drainCache", () => {
  it("reads a flow's name once, and keeps no more than MAX_KEPT of them, dropping the one unused longest", async () => {
    const { flows, reads } = countingFlows()
    const cache = drainCache(flows)
    for (let i = 0; i < MAX_KEPT; i++) {
      await cache.flowName(`f${i}`)
    }
    // f0, read first, is used again: f1 is now the one unused longest.
    expect(await cache.flowName("f0")).toBe("Flow f0")
    await cache.flowName(`f${MAX_KEPT}`)
    await cache.flowName(`f${MAX_KEPT}`)
    expect(reads).toHaveLength(MAX_KEPT + 1)
    await cache.flowName("f0")
    expect(reads).toHaveLength(MAX_KEPT + 1)
    // f1 went when the limit was passed; it is read again.
    await cache.flowName("f1")
    expect(reads).toHaveLength(MAX_KEPT + 2)
    expect(reads.at(-1)).toBe("f1")
  })

  it("does not keep a failed read", async () => {
    const { flows, reads } = countingFlows(["f1"])
    const cache = drainCache(flows)
    await expect(cache.flowName("f1")).rejects.toThrow("f1 could not be read")
    expect(await cache.flowName("f1")).toBe("Flow f1")
    expect(await cache.flowName("f1")).toBe("Flow f1")
    expect(reads).toEqual(["f1", "f1"])
  })
})
