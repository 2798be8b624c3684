import type FlowsModuleService from "../../modules/flows/service"
import type { RunRow } from "../../modules/flows/types"

type Held = Pick<RunRow, "id" | "claim_token">

/**
 * Renews the leases of the runs a worker still works on, every third of a lease: a lease counts from the
 * last renewal, not from the claim, so a long batch or a slow provider never lets a second worker take a
 * run mid-way. A worker that dies stops renewing, and its runs are free one lease later.
 */
export class ClaimLeases {
  /** Runs in hand, by id, with the claim token each was claimed under. */
  private readonly held = new Map<string, Held>()
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly flows: FlowsModuleService,
    private readonly clock: () => Date
  ) {
    this.timer = setInterval(() => void this.renew(), Math.max(250, flows.getOptions().scheduler.leaseMs / 3))
    this.timer.unref()
  }

  hold(run: Held) {
    this.held.set(run.id, { id: run.id, claim_token: run.claim_token })
  }

  release(run: Held) {
    this.held.delete(run.id)
  }

  stop() {
    clearInterval(this.timer)
  }

  private async renew() {
    if (!this.held.size) {
      return
    }
    // A failed renewal is tried again at the next interval; the lease still has two thirds to run.
    await this.flows.renewClaims([...this.held.values()], this.clock()).catch(() => {})
  }
}
