import { retryDelayMs } from "../channels/retry"

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
