import { nextAttemptAt, retryDelayMs } from "../channels/retry"

describe("retry delays", () => {
  it("doubles from the base, between half and all of the exponential value", () => {
    expect(retryDelayMs(1, 1000, 60_000, () => 0)).toBe(500)
    expect(retryDelayMs(1, 1000, 60_000, () => 1)).toBe(1000)
    expect(retryDelayMs(3, 1000, 60_000, () => 1)).toBe(4000)
    expect(retryDelayMs(3, 1000, 60_000, () => 0.5)).toBe(3000)
  })

  it("never waits longer than the cap", () => {
    expect(retryDelayMs(20, 1000, 60_000, () => 1)).toBe(60_000)
  })

  it("spreads messages refused together", () => {
    const delays = new Set([...Array(50)].map(() => retryDelayMs(2, 1000, 60_000)))
    expect(delays.size).toBeGreaterThan(10)
  })
})

describe("nextAttemptAt", () => {
  const delivery = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 }
  const now = new Date("2026-03-02T12:00:00Z")

  it("waits what the provider asked for, else the backoff, and gives up after the last attempt", () => {
    expect(nextAttemptAt(delivery, 1, now, 30_000)).toEqual(new Date("2026-03-02T12:00:30Z"))
    const backoff = nextAttemptAt(delivery, 2, now)!.getTime() - now.getTime()
    expect(backoff).toBeGreaterThanOrEqual(1000)
    expect(backoff).toBeLessThanOrEqual(2000)
    expect(nextAttemptAt(delivery, 3, now, 30_000)).toBeNull()
  })
})
