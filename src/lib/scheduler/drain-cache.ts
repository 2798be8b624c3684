import type { FlowDefinition } from "../../engine"
import type FlowsModuleService from "../../modules/flows/service"

/** How long a worker trusts a flow's name and the brand settings before it reads them again. */
const FRESH_MS = 30_000
/** The most versions, and flow names, a worker keeps: it runs for months while flows are edited and removed. */
export const MAX_KEPT = 1000

/** Keeps `value` as the newest entry, and drops the oldest read once there are more than MAX_KEPT. */
function keep<T>(entries: Map<string, T>, key: string, value: T) {
  entries.delete(key)
  entries.set(key, value)
  if (entries.size > MAX_KEPT) {
    entries.delete(entries.keys().next().value!)
  }
}

function memo<T>(load: (key: string) => Promise<T>) {
  const entries = new Map<string, { value: Promise<T>; at: number }>()
  return (key: string): Promise<T> => {
    const hit = entries.get(key)
    if (hit && Date.now() - hit.at < FRESH_MS) {
      return hit.value
    }
    const value = load(key)
    // A failed read is not kept: the next run asks again.
    value.catch(() => entries.get(key)?.value === value && entries.delete(key))
    keep(entries, key, { value, at: Date.now() })
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
        definition.catch(() => versions.get(versionId) === definition && versions.delete(versionId))
        keep(versions, versionId, definition)
      }
      return definition
    },
    flowName: memo(async (flowId) => (await flows.retrieveFlow(flowId, { select: ["name"] })).name as string),
    brand: () => brand("brand"),
  }
}

export type DrainCache = ReturnType<typeof drainCache>
