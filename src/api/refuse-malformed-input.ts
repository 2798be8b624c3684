import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"

/** Whether a string, or any key or string inside a parsed body, holds a NUL. Iterative: a body may nest deeply. */
function holdsNul(input: unknown): boolean {
  const pending = [input]
  while (pending.length) {
    const value = pending.pop()
    if (typeof value === "string" && value.includes("\u0000")) {
      return true
    }
    if (value !== null && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) {
        if (key.includes("\u0000")) {
          return true
        }
        pending.push(child)
      }
    }
  }
  return false
}

/** A query value is a string, a list or one level of keys (`a[b]=1`); `a[b][c]=1` is nothing our routes take. */
const nestsTooDeeply = (value: unknown) =>
  value !== null && typeof value === "object" && Object.values(value).some((child) => child !== null && typeof child === "object")

function decodes(path: string): boolean {
  try {
    decodeURIComponent(path)
    return true
  } catch {
    return false
  }
}

/**
 * Refuses, with a 400, input no route of the plugin can use and Postgres would reject with a 500: a NUL
 * character (Postgres text cannot hold one) in the path, the query or the body, a path that is not valid
 * percent-encoding (Express fails to decode its parameters with a 500), and query keys nested more than
 * one level.
 */
export function refuseMalformedInput(req: MedusaRequest, _res: MedusaResponse, next: MedusaNextFunction) {
  // The path as the request gave it, still percent-encoded: route parameters are decoded from it later.
  const path = req.originalUrl.split("?")[0]
  if (!decodes(path)) {
    return next(new MedusaError(MedusaError.Types.INVALID_DATA, "The request path is not valid percent-encoding."))
  }
  if (/%00/i.test(path) || holdsNul(req.query) || holdsNul(req.body)) {
    return next(new MedusaError(MedusaError.Types.INVALID_DATA, "The request contains a NUL character (\\u0000), which is not allowed."))
  }
  const nested = Object.entries(req.query).find(([, value]) => nestsTooDeeply(value))
  if (nested) {
    return next(
      new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `The query parameter "${nested[0]}" is nested too deeply: use at most one level, as in ${nested[0]}[key]=value.`
      )
    )
  }
  next()
}
