import http from "node:http"
import type { AddressInfo } from "node:net"

/** A provider fake on 127.0.0.1 that reads each request body whole, then answers it with `handle`. */
export abstract class FakeServer<Answer> {
  protected scripted: Answer[] = []
  private server?: http.Server

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`
  }

  /** The next calls get these answers instead of a success, in order. */
  respondNext(...answers: Answer[]) {
    this.scripted.push(...answers)
  }

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on("data", (chunk) => chunks.push(chunk))
      req.on("end", () => this.handle(req, Buffer.concat(chunks), res))
    })
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve))
    return this
  }

  async stop() {
    await new Promise((resolve) => this.server?.close(resolve))
  }

  protected abstract handle(req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse): void
}
