import { MATCH_KEYS, type MatchKey } from "./constants"
import type { FlowDefinition } from "./definition"

export type Identifiers = Partial<Record<MatchKey, string | null>>

const normalize = (key: MatchKey, value: string | null | undefined) =>
  key === "email" ? value?.trim().toLowerCase() || null : value || null

/**
 * Whether an event ends a run: the flow lists it as an exit event and the two share one of the
 * identifiers it matches on (by default any of cart, order, customer or email).
 */
export function exitEventMatches(definition: FlowDefinition, event: { name: string } & Identifiers, subject: Identifiers): boolean {
  return (definition.exit?.events ?? []).some((exit) => {
    if (exit.event !== event.name) {
      return false
    }
    return (exit.match ?? MATCH_KEYS).some((key) => {
      const a = normalize(key, event[key])
      return a !== null && a === normalize(key, subject[key])
    })
  })
}
