/**
 * Delay before retry number `attempt` (1 = the first retry): exponential, capped, with jitter so
 * that messages refused together do not all come back at the same moment.
 */
export function retryDelayMs(attempt: number, base: number, max: number, random = Math.random): number {
  const exponential = Math.min(max, base * 2 ** (attempt - 1))
  return Math.round(exponential / 2 + random() * (exponential / 2))
}
