/** Condition groups (`all` / `any`) inside one another, at most. Real segments need a handful. */
export const MAX_CONDITION_DEPTH = 20
/** Far beyond any valid definition; it bounds the recursion of validation itself. */
const MAX_JSON_DEPTH = 200

/**
 * What nests too deeply in raw JSON, or null. It runs before schema validation, whose recursion a
 * deep enough input would overflow.
 */
export function nestingIssue(input: unknown): string | null {
  let deepestGroup = 0
  const withinDepth = (value: unknown, depth: number, groups: number): boolean => {
    if (depth > MAX_JSON_DEPTH) {
      return false
    }
    if (value === null || typeof value !== "object") {
      return true
    }
    const record = value as Record<string, unknown>
    const isGroup = !Array.isArray(value) && (Array.isArray(record.all) || Array.isArray(record.any))
    const inGroups = groups + (isGroup ? 1 : 0)
    deepestGroup = Math.max(deepestGroup, inGroups)
    return Object.values(record).every((child) => withinDepth(child, depth + 1, inGroups))
  }
  if (!withinDepth(input, 0, 0)) {
    return `the definition is nested more than ${MAX_JSON_DEPTH} levels deep`
  }
  if (deepestGroup > MAX_CONDITION_DEPTH) {
    return `condition groups are nested ${deepestGroup} levels deep; at most ${MAX_CONDITION_DEPTH} are allowed`
  }
  return null
}
