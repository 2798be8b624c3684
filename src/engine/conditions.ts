import type { EngagementLevel } from "./constants"
import type { Condition, ConditionNode } from "./definition"

export type Facts = {
  cart?: Record<string, unknown>
  order?: Record<string, unknown>
  customer?: Record<string, unknown>
  /** What the person did since the run started, and their engagement level (docs/engagement.md). */
  engagement?: { opened: boolean; clicked: boolean; ordered: boolean; level?: EngagementLevel }
  [key: string]: unknown
}

/** Reads a dotted path (`cart.items.0.title`); anything missing on the way is undefined. */
export function readPath(source: unknown, path: string): unknown {
  let current: unknown = source
  for (const key of path.split(".")) {
    if (current === null || current === undefined || typeof current !== "object") {
      return undefined
    }
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

const isPresent = (value: unknown) => value !== undefined && value !== null && !(typeof value === "string" && value.trim() === "")

/** Numbers compare as numbers, two dates as dates, anything else does not compare. */
function comparable(a: unknown, b: unknown): [number, number] | null {
  const asNumber = (v: unknown) =>
    typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" && !isNaN(Number(v)) ? Number(v) : NaN
  const [na, nb] = [asNumber(a), asNumber(b)]
  if (!isNaN(na) && !isNaN(nb)) {
    return [na, nb]
  }
  const asDate = (v: unknown) => (v instanceof Date ? v.getTime() : typeof v === "string" ? Date.parse(v) : NaN)
  const [da, db] = [asDate(a), asDate(b)]
  return !isNaN(da) && !isNaN(db) ? [da, db] : null
}

function contains(haystack: unknown, needle: unknown): boolean {
  if (typeof haystack === "string" && typeof needle === "string") {
    return haystack.toLowerCase().includes(needle.toLowerCase())
  }
  return Array.isArray(haystack) && haystack.some((item) => item === needle)
}

function compare(actual: unknown, op: Condition["op"], expected: unknown): boolean {
  switch (op) {
    case "exists":
      return isPresent(actual)
    case "not_exists":
      return !isPresent(actual)
    case "eq":
      return actual === expected
    case "neq":
      return actual !== expected
    case "contains":
      return contains(actual, expected)
    case "in":
      return Array.isArray(expected) && expected.includes(actual)
    case "not_in":
      return !Array.isArray(expected) || !expected.includes(actual)
    default: {
      const pair = comparable(actual, expected)
      if (!pair) {
        return false
      }
      const [a, b] = pair
      return op === "gt" ? a > b : op === "gte" ? a >= b : op === "lt" ? a < b : a <= b
    }
  }
}

/** Evaluates a condition or a group of them. A missing field never throws: it just does not match. */
export function evaluate(node: ConditionNode, facts: Facts): boolean {
  if ("all" in node) {
    return node.all.every((child) => evaluate(child, facts))
  }
  if ("any" in node) {
    return node.any.some((child) => evaluate(child, facts))
  }
  return compare(readPath(facts, node.field), node.op, node.value)
}
