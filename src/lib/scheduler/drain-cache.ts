import { keepRecentlyUsed } from "../../modules/flows/recently-used"
import type FlowsModuleService from "../../modules/flows/service"

/** How long a worker trusts a flow's name and the brand settings before it reads them again. */
const FRESH_MS = 30_000
/** The most flow names a worker keeps: it runs for months while flows are added and removed. */
export const MAX_KEPT = 1000

/**
 * Reads by key, trusted for `freshMs`. The last one used is kept last, and the one unused longest goes once
 * there are more than MAX_KEPT: a flow whose runs every drain moves stays however many others come and go.
 */
function memo<T>(load: (key: string) => Promise<T>, freshMs: number) {
  const entries = new Map<string, { value: Promise<T>; at: number }>()
  return (key: string): Promise<T> => {
    const hit = entries.get(key)
    if (hit && Date.now() - hit.at < freshMs) {
      keepRecentlyUsed(entries, key, hit, MAX_KEPT)
      return hit.value
    }
    const value = load(key)
    // A failed read is not kept: the next run asks again.
    value.catch(() => entries.get(key)?.value === value && entries.delete(key))
    keepRecentlyUsed(entries, key, { value, at: Date.now() }, MAX_KEPT)
    return value
  }
}

/**
 * What the runs of one flow share, read once per worker rather than once per message: the flow's name and
 * the brand, read again after half a minute so that an edit reaches the next messages soon. (Versions'
 * definitions are kept by the module: `flowDefinitions`.)
 */
export function drainCache(flows: FlowsModuleService) {
  const brand = memo(() => flows.brandForTemplates(), FRESH_MS)
  return {
    flowName: memo(async (flowId) => (await flows.retrieveFlow(flowId, { select: ["name"] })).name as string, FRESH_MS),
    brand: () => brand("brand"),
  }
}

export type DrainCache = ReturnType<typeof drainCache>
