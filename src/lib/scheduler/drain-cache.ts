import type { FlowDefinition } from "../../engine"
import type FlowsModuleService from "../../modules/flows/service"

/** How long a worker trusts a flow's name and the brand settings before it reads them again. */
const FRESH_MS = 30_000

function memo<T>(load: (key: string) => Promise<T>) {
  const entries = new Map<string, { value: Promise<T>; at: number }>()
  return (key: string): Promise<T> => {
    const hit = entries.get(key)
    if (hit && Date.now() - hit.at < FRESH_MS) {
      return hit.value
    }
    const value = load(key)
    // A failed read is not kept: the next run asks again.
    value.catch(() => entries.delete(key))
    entries.set(key, { value, at: Date.now() })
    return value
  }
}

/**
 * What the runs of one flow share, read once per worker rather than once per message: a version's
 * definition (versions never change), the flow's name and the brand. Names and brand are read again
 * after half a minute, so an edit reaches the next messages soon.
 */
export function drainCache(flows: FlowsModuleService) {
  const versions = new Map<string, Promise<FlowDefinition>>()
  const brand = memo(() => flows.brandForTemplates())
  return {
    definition(versionId: string): Promise<FlowDefinition> {
      let definition = versions.get(versionId)
      if (!definition) {
        definition = flows.retrieveFlowVersion(versionId).then((version) => version.definition as unknown as FlowDefinition)
        definition.catch(() => versions.delete(versionId))
        versions.set(versionId, definition)
      }
      return definition
    },
    flowName: memo(async (flowId) => (await flows.retrieveFlow(flowId, { select: ["name"] })).name as string),
    brand: () => brand("brand"),
  }
}

export type DrainCache = ReturnType<typeof drainCache>
