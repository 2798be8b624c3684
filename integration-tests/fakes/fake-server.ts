import http from "node:http"
import type { AddressInfo } from "node:net"

/**
 * What became of one call: when it came in, the status it was answered with and when, or that its client left
 * before the answer went out. Times are Date.now() milliseconds.
 */
export type CallOutcome = { receivedAt?: number; status?: number; answeredAt?: number; clientLeft?: boolean }

/** A transient refusal, as a provider gives one now and then: a 5xx, or a 429 that says when to come back. */
export type Fault = { status: 500 | 503 } | { status: 429; retryAfterSeconds: number }

/** A small seeded generator (mulberry32), so a run of faults can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A provider fake on 127.0.0.1 that reads each request body whole, then answers it with `handle`. */
export abstract class FakeServer<Answer> {
  protected scripted: Answer[] = []
  private answerWaits: (() => Promise<unknown>)[] = []
  private heldUntil?: Promise<void>
  private answeredBeforeHold = 0
  private faults?: { rate: number; random: () => number }
  private server?: http.Server

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`
  }

  /** The next calls get these answers instead of a success, in order. */
  respondNext(...answers: Answer[]) {
    this.scripted.push(...answers)
  }

  /**
   * The next calls are handled at once (recorded, and accepted or refused) but answered only after these
   * delays, in order: a provider that took the request and did not answer before the client gave up.
   */
  answerLate(...delaysMs: number[]) {
    this.answerWaits.push(...delaysMs.map((ms) => () => new Promise((resolve) => setTimeout(resolve, ms))))
  }

  /** Like answerLate, for the next call, until the returned function is called: to act while a call is in flight. */
  holdNextAnswer(): () => void {
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    this.answerWaits.push(() => released)
    return release
  }

  /**
   * Every answer from now on, after the first `afterCalls` calls, waits until the returned function is called:
   * to stop a client while its calls are in flight, however fast it works. Held calls are still recorded and
   * decided at once.
   */
  holdAllAnswers({ afterCalls = 0 } = {}): () => void {
    let release!: () => void
    this.heldUntil = new Promise<void>((resolve) => (release = resolve))
    this.answeredBeforeHold = afterCalls
    return () => {
      this.heldUntil = undefined
      release()
    }
  }

  /**
   * From now on, `rate` of the calls that would succeed get a transient fault instead: 500, 503, or 429 with
   * Retry-After, in equal shares. `random` is seeded so that a failing run can be replayed.
   */
  injectFaults(rate: number, random: () => number) {
    this.faults = { rate, random }
  }

  /** A fault for this call, when faults are injected and the draw says so. */
  protected nextFault(): Fault | undefined {
    if (!this.faults || this.faults.random() >= this.faults.rate) {
      return undefined
    }
    const kind = Math.floor(this.faults.random() * 3)
    return kind === 0 ? { status: 500 } : kind === 1 ? { status: 503 } : { status: 429, retryAfterSeconds: 1 }
  }

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      const outcome: CallOutcome = {}
      res.on("finish", () => Object.assign(outcome, { status: res.statusCode, answeredAt: Date.now() }))
      res.on("close", () => (outcome.clientLeft = !res.writableFinished))
      req.on("data", (chunk) => chunks.push(chunk))
      req.on("end", () => {
        outcome.receivedAt = Date.now()
        const held = this.heldUntil && this.answeredBeforeHold-- <= 0 ? this.heldUntil : undefined
        const wait = this.answerWaits.shift() ?? (held && (() => held))
        this.handle(req, Buffer.concat(chunks), this.delayed(res, wait), outcome)
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve))
    return this
  }

  async stop() {
    this.server?.closeAllConnections()
    await new Promise((resolve) => this.server?.close(resolve))
  }

  /** Holds the answer back: headers and body only go out when `end` runs, once `wait` is over. */
  private delayed(res: http.ServerResponse, wait?: () => Promise<unknown>): http.ServerResponse {
    if (!wait) {
      return res
    }
    const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse
    res.end = ((...args: unknown[]) => {
      void wait().then(() => end(...args))
      return res
    }) as typeof res.end
    return res
  }

  /** `outcome` is filled in as the call ends: record it with the call. */
  protected abstract handle(req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse, outcome: CallOutcome): void
}
