import Medusa from "@medusajs/js-sdk"

/** The admin's own client: same origin, the logged-in admin's session. */
export const sdk = new Medusa({ baseUrl: "/", auth: { type: "session" } })

// The admin API's JSON as the pages read it; the server's validators, not these types, are the contract.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>

export const api = {
  get: <T = Json>(path: string, query?: Record<string, unknown>) => sdk.client.fetch<T>(path, { method: "GET", query }),
  post: <T = Json>(path: string, body: Json) => sdk.client.fetch<T>(path, { method: "POST", body }),
}

/** The message of an error from the admin API (Medusa's `{ message }`), or of any other error. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
