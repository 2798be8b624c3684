import autocannon from "autocannon"

export type LoadRequest = { method: "GET" | "POST"; path: string; headers?: Record<string, string>; body?: string }

export type LoadResult = {
  /** Responses by HTTP status. */
  statuses: Record<number, number>
  /** The body of every response, in the order they came. */
  bodies: { status: number; body: string }[]
  /** Connection errors and timeouts: a request that got no response. */
  errors: number
  timeouts: number
}

/**
 * Sends `amount` requests over `connections` loopback connections at once, with autocannon. The requests
 * are taken in turn across all connections, so each one in `requests` goes about amount / requests.length
 * times, several of them at the same moment: a provider's redelivery racing the first delivery.
 */
export async function load(
  baseUrl: string,
  requests: LoadRequest[],
  { amount, connections }: { amount: number; connections: number }
): Promise<LoadResult> {
  let next = 0
  const statuses: Record<number, number> = {}
  const bodies: LoadResult["bodies"] = []
  const result = await autocannon({
    url: baseUrl,
    connections,
    amount,
    timeout: 60,
    requests: [
      {
        setupRequest: (request: Record<string, unknown>) => ({ ...request, ...requests[next++ % requests.length] }),
        onResponse: (status: number, body: string) => {
          statuses[status] = (statuses[status] ?? 0) + 1
          bodies.push({ status, body })
        },
      },
    ],
  })
  return { statuses, bodies, errors: result.errors, timeouts: result.timeouts }
}
