import http from "node:http"
import type { AddressInfo } from "node:net"

/** A provider fake on 127.0.0.1 that reads each request body whole, then answers it with `handle`. */
export abstract class FakeServer<Answer> {
  protected scripted: Answer[] = []
  private answerWaits: (() => Promise<unknown>)[] = []
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

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on("data", (chunk) => chunks.push(chunk))
      req.on("end", () => this.handle(req, Buffer.concat(chunks), this.delayed(res, this.answerWaits.shift())))
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

  protected abstract handle(req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse): void
}
