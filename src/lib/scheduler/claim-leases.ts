import type FlowsModuleService from "../../modules/flows/service"
import type { RunRow } from "../../modules/flows/types"

/**
 * Renews the leases of the claims a worker still works on, every third of a lease: a lease counts from
 * the last renewal, not from the claim, so a long batch or a slow provider never lets a second worker
 * take a run mid-way. A worker that dies stops renewing, and its runs are free one lease later.
 */
export class ClaimLeases {
  /** Runs in hand per claim token. */
  private readonly held = new Map<string, number>()
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly flows: FlowsModuleService,
    private readonly clock: () => Date
  ) {
    this.timer = setInterval(() => void this.renew(), Math.max(250, flows.getOptions().scheduler.leaseMs / 3))
    this.timer.unref()
  }

  hold(run: Pick<RunRow, "claim_token">) {
    const token = run.claim_token as string
    this.held.set(token, (this.held.get(token) ?? 0) + 1)
  }

  release(run: Pick<RunRow, "claim_token">) {
    const token = run.claim_token as string
    const left = (this.held.get(token) ?? 1) - 1
    if (left > 0) {
      this.held.set(token, left)
    } else {
      this.held.delete(token)
    }
  }

  stop() {
    clearInterval(this.timer)
  }

  private async renew() {
    if (!this.held.size) {
      return
    }
    // A failed renewal is tried again at the next interval; the lease still has two thirds to run.
    await this.flows.renewClaims([...this.held.keys()], this.clock()).catch(() => {})
  }
}
