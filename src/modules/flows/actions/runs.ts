import { randomUUID } from "node:crypto"
import { contactTimezone } from "../../../engine"
import { nextAttemptAt } from "../channels/retry"
import { consentsOf, engagementSinceRuns } from "../sql/contacts"
import * as experimentSql from "../sql/experiments"
import * as runSql from "../sql/runs"
import type { RunRow } from "../types"
import type { ModuleContext } from "./context"
import { engagementOf, type ContactEngagement } from "./engagement"
import { MAX_CONTACTS_PER_COUNT } from "../sql/engagement"

/** Reserves up to `limit` due runs (at most `scheduler.batchSize`) for this worker, under a claim token of their own. */
export async function claimDueRuns(ctx: ModuleContext, now: Date = new Date(), limit = Infinity): Promise<RunRow[]> {
  const { batchSize, leaseMs } = ctx.options.scheduler
  return await runSql.claimDueRuns(ctx.db, { limit: Math.min(limit, batchSize), leaseMs, token: randomUUID(), now })
}

/** Whether a drain would find a store event or a run to claim. */
export async function anythingDue(ctx: ModuleContext, now: Date): Promise<boolean> {
  return await runSql.anythingDue(ctx.db, now)
}

/** Keeps the runs of these claims reserved for another lease, counted from `now`. */
export async function renewClaims(ctx: ModuleContext, runs: Pick<RunRow, "id" | "claim_token">[], now = new Date()): Promise<number> {
  return await runSql.renewClaims(ctx.db, runs, new Date(now.getTime() + ctx.options.scheduler.leaseMs))
}

/** A run the dispatcher moves on: parked at its next step, or ended. */
export type RunMove = runSql.RunMove & { run: RunRow }

/**
 * Parks and ends runs in one transaction, and records the A/B variants their trails drew. True for each
 * run moved; false for one this worker no longer held.
 */
export async function moveRuns(ctx: ModuleContext, moves: RunMove[]): Promise<boolean[]> {
  return await ctx.db.transaction(async (db) => {
    // Rows locked in id order first, as every statement that locks many runs does: no two wait on each other.
    await runSql.heldClaims(
      db,
      moves.map((move) => move.run)
    )
    const moved = await runSql.moveRuns(db, moves)
    for (const [i, move] of moves.entries()) {
      const { trail, now } = "park" in move ? move.park : move.end
      if (moved[i]) {
        await experimentSql.recordSplitAssignments(db, move.run, trail, now)
      }
    }
    return moved
  })
}

/** A run whose step threw: tried again after the backoff, or failed once its attempts are used up. */
export async function failRun(ctx: ModuleContext, run: RunRow, error: string, now = new Date()) {
  const at = nextAttemptAt(ctx.options.delivery, run.attempts + 1, now)
  if (!at) {
    return await runSql.finishClaimedRun(ctx.db, run, { status: "failed", reason: "error", error, trail: [], now })
  }
  return await runSql.retryClaimedRun(ctx.db, run, { error, at, now })
}

/**
 * What the engine needs to know about the person behind each run: engagement, timezone, name. Read for a
 * whole claim at once, in three statements whatever its size.
 */
export async function personFactsOfRuns(ctx: ModuleContext, runs: RunRow[], now = new Date()) {
  const contactIds = runs.flatMap((run) => run.contact_id ?? [])
  const [contacts, levels, since] = await Promise.all([
    consentsOf(ctx.db, contactIds),
    engagementOfMany(ctx, contactIds, now),
    engagementSinceRuns(ctx.db, runs),
  ])
  return new Map(
    runs.map((run) => {
      const contact = run.contact_id ? contacts.get(run.contact_id) : undefined
      const level = (run.contact_id && levels.get(run.contact_id)?.level) || "new"
      const facts = {
        // What they did since the run started, and their engagement level (conditions: engagement.level).
        engagement: { ...since.get(run.id)!, level },
        timezone: contactTimezone(contact, ctx.options.defaults.timezone).timezone,
        // For people with no customer account, such as newsletter sign-ups, templates read `customer` from here.
        person: {
          email: run.email,
          phone: run.phone,
          first_name: (contact?.first_name as string | null) ?? null,
          last_name: (contact?.last_name as string | null) ?? null,
        },
      }
      return [run.id, facts] as const
    })
  )
}

/** Engagement levels in statements of at most MAX_CONTACTS_PER_COUNT contacts. */
async function engagementOfMany(ctx: ModuleContext, contactIds: string[], now: Date) {
  const ids = [...new Set(contactIds)]
  const levels = new Map<string, ContactEngagement>()
  for (let i = 0; i < ids.length; i += MAX_CONTACTS_PER_COUNT) {
    for (const [id, engagement] of await engagementOf(ctx, ids.slice(i, i + MAX_CONTACTS_PER_COUNT), now)) {
      levels.set(id, engagement)
    }
  }
  return levels
}
