/**
 * Delay before retry number `attempt` (1 = the first retry): exponential, capped, with jitter so
 * that messages refused together do not all come back at the same moment.
 */
export function retryDelayMs(attempt: number, base: number, max: number, random = Math.random): number {
  const exponential = Math.min(max, base * 2 ** (attempt - 1))
  return Math.round(exponential / 2 + random() * (exponential / 2))
}

/**
 * When the attempt after number `attempt` may be made: after the provider's `Retry-After` when it gave one,
 * else after the backoff; null when `attempt` was the last of `delivery.maxAttempts`. Message sends and
 * runs that failed both follow it.
 */
export function nextAttemptAt(
  delivery: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number },
  attempt: number,
  now: Date,
  retryAfterMs?: number
): Date | null {
  if (attempt >= delivery.maxAttempts) {
    return null
  }
  return new Date(now.getTime() + (retryAfterMs ?? retryDelayMs(attempt, delivery.baseDelayMs, delivery.maxDelayMs)))
}

/**
 * How long a provider asked to wait, from a `Retry-After` in seconds or an `X-RateLimit-Reset` epoch (SendGrid);
 * undefined when it said nothing.
 */
export function retryAfterMsOf(headers: Record<string, string | string[] | undefined> | undefined, now = Date.now()): number | undefined {
  const retryAfter = Number(headers?.["retry-after"])
  if (retryAfter > 0) {
    return retryAfter * 1000
  }
  const reset = Number(headers?.["x-ratelimit-reset"])
  return reset > 0 ? Math.max(0, reset * 1000 - now) : undefined
}
