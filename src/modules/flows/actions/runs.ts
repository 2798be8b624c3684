import { randomUUID } from "node:crypto"
import { contactTimezone } from "../../../engine"
import { nextAttemptAt } from "../channels/retry"
import { consentOf, engagementSince } from "../sql/contacts"
import * as experimentSql from "../sql/experiments"
import * as runSql from "../sql/runs"
import type { RunRow } from "../types"
import type { ModuleContext } from "./context"
import { engagementLevelOf } from "./engagement"

/** Reserves due runs for this worker. */
export async function claimDueRuns(ctx: ModuleContext, now: Date = new Date()): Promise<RunRow[]> {
  const { batchSize, leaseMs } = ctx.options.scheduler
  return await runSql.claimDueRuns(ctx.db, { limit: batchSize, leaseMs, token: randomUUID(), now })
}

export async function parkRun(ctx: ModuleContext, run: RunRow, park: Omit<Parameters<typeof runSql.parkRun>[2], "now">, now = new Date()) {
  const parked = await runSql.parkRun(ctx.db, run, { ...park, now })
  if (parked) {
    await experimentSql.recordSplitAssignments(ctx.db, run, park.trail, now)
  }
  return parked
}

export async function finishRun(
  ctx: ModuleContext,
  run: RunRow,
  end: Omit<Parameters<typeof runSql.finishClaimedRun>[2], "now">,
  now = new Date()
) {
  const finished = await runSql.finishClaimedRun(ctx.db, run, { ...end, now })
  if (finished) {
    await experimentSql.recordSplitAssignments(ctx.db, run, end.trail, now)
  }
  return finished
}

/** A run whose step threw: tried again after the backoff, or failed once its attempts are used up. */
export async function failRun(ctx: ModuleContext, run: RunRow, error: string, now = new Date()) {
  const at = nextAttemptAt(ctx.options.delivery, run.attempts + 1, now)
  if (!at) {
    return await runSql.finishClaimedRun(ctx.db, run, { status: "failed", reason: "error", error, trail: [], now })
  }
  return await runSql.retryClaimedRun(ctx.db, run, { error, at, now })
}

/** What the engine needs to know about the person behind a run: engagement, timezone, name. */
export async function personFacts(ctx: ModuleContext, run: RunRow, now = new Date()) {
  const contact = await consentOf(ctx.db, run.contact_id)
  const level = (await engagementLevelOf(ctx, run.contact_id, now))?.level ?? "new"
  return {
    // What they did since the run started, and their engagement level (conditions: engagement.level).
    engagement: { ...(await engagementSince(ctx.db, run.contact_id, run.id, new Date(run.created_at))), level },
    timezone: contactTimezone(contact, ctx.options.defaults.timezone).timezone,
    // For people with no customer account, such as newsletter sign-ups, templates read `customer` from here.
    person: {
      email: run.email,
      phone: run.phone,
      first_name: (contact?.first_name as string | null) ?? null,
      last_name: (contact?.last_name as string | null) ?? null,
    },
  }
}
