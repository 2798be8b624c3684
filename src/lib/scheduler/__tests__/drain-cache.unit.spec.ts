import type FlowsModuleService from "../../../modules/flows/service"
import { drainCache, MAX_KEPT } from "../drain-cache"

/** A module service that counts reads of versions and flows; `failing` ids are refused once. */
function countingFlows(failing: string[] = []) {
  const reads: string[] = []
  const refuse = new Set(failing)
  const read = async (id: string) => {
    reads.push(id)
    if (refuse.delete(id)) {
      throw new Error(`${id} could not be read`)
    }
  }
  const flows = {
    retrieveFlowVersion: async (id: string) => (await read(id), { definition: { steps: [], id } }),
    retrieveFlow: async (id: string) => (await read(id), { name: `Flow ${id}` }),
    brandForTemplates: async () => ({}),
  }
  return { flows: flows as unknown as FlowsModuleService, reads }
}

describe("drainCache", () => {
  it("reads a version once, and keeps no more than MAX_KEPT of them", async () => {
    const { flows, reads } = countingFlows()
    const cache = drainCache(flows)
    for (let i = 0; i <= MAX_KEPT; i++) {
      await cache.definition(`v${i}`)
    }
    await cache.definition(`v${MAX_KEPT}`)
    expect(reads).toHaveLength(MAX_KEPT + 1)
    // The oldest went when the limit was passed; it is read again.
    await cache.definition("v0")
    expect(reads).toHaveLength(MAX_KEPT + 2)
    expect(reads.at(-1)).toBe("v0")
  })

  it("does not keep a failed read", async () => {
    const { flows, reads } = countingFlows(["v1", "f1"])
    const cache = drainCache(flows)
    await expect(cache.definition("v1")).rejects.toThrow("v1 could not be read")
    await expect(cache.flowName("f1")).rejects.toThrow("f1 could not be read")
    expect(await cache.definition("v1")).toEqual({ steps: [], id: "v1" })
    expect(await cache.flowName("f1")).toBe("Flow f1")
    expect(reads).toEqual(["v1", "f1", "v1", "f1"])
  })
})
