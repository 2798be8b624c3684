import { decideSend, type HeldReason } from "../../../engine"
import type { Database } from "../sql/database"
import { insertMessagesOnce, markMessage, startRetry, storedKeys, type MessageDraft, type StoredMessage } from "../sql/messages"
import { heldClaims } from "../sql/runs"
import type { ModuleContext } from "./context"
import { SendReads, sendFactsFor, type SendInQuestion } from "./send-facts"

/** A rendered message of a run's send step, waiting for the send policy's last word and its row. */
export type SendToClaim = SendInQuestion & { draft: Omit<MessageDraft, "status" | "error"> }

/**
 * What became of it: its message row (`created`: this worker owns the send; status `skipped` when smart
 * sending held it back), deferred, or nothing because the run is no longer this worker's.
 */
export type ClaimedSend =
  StoredMessage | "lost_claim" | "already_handled" | { deferred_until: Date; reason: "quiet_hours" | HeldReason | "in_flight" }

/**
 * Decides each message again and inserts the ones that go (or are held back) under their idempotency keys,
 * in one transaction for the whole group: the runs and their contacts are locked, so two workers never both
 * send the last message a cap allows, nor two flows' messages that compete. Within the group, a message let
 * go counts for the later decisions about the same person, as if each had had its own transaction.
 */
export async function claimSends(ctx: ModuleContext, sends: SendToClaim[]): Promise<ClaimedSend[]> {
  return await ctx.db.transaction(async (db) => {
    const tx = { ...ctx, db }
    const holds = await heldClaims(
      db,
      sends.map((send) => send.run)
    )
    const outcomes = new Map<SendToClaim, ClaimedSend>()
    // One message per key: a second call for the same step is another worker's, and finds the first's row.
    const keys = new Set<string>()
    const holding = sends.filter((send) => holds(send.run) && !keys.has(send.draft.idempotency_key) && keys.add(send.draft.idempotency_key))
    const reads = holding.length ? await SendReads.of(tx, holding, { lock: true }) : null
    // A message stored already (a retry, a replayed step) is counted from its row, if at all, never again here.
    const stored = await storedKeys(
      db,
      holding.map((send) => send.draft.idempotency_key)
    )
    const toInsert: { send: SendToClaim; draft: MessageDraft; now: Date }[] = []
    for (const send of holding) {
      const facts = await sendFactsFor(tx, send, reads!)
      const decision = decideSend(facts, send.now)
      if (decision.action === "defer") {
        outcomes.set(send, { deferred_until: decision.until, reason: decision.reason })
        continue
      }
      const heldBack = decision.action === "skip" ? decision.reason : null
      if (!heldBack && !stored.has(send.draft.idempotency_key)) {
        const counted = { at: send.now, channel: send.step.channel, flow_id: send.run.flow_id, priority: facts.smart?.priority ?? 0 }
        reads!.noteSend(send.run.contact_id, counted, { exempt: facts.smart?.exempt ?? false })
      }
      toInsert.push({ send, draft: { ...send.draft, status: heldBack ? "skipped" : "sending", error: heldBack }, now: send.now })
    }
    const messages = await insertMessagesOnce(db, toInsert)
    for (const [i, { send, draft, now }] of toInsert.entries()) {
      outcomes.set(send, await ownershipOf(db, messages[i], draft, now))
    }
    return sends.map((send) => outcomes.get(send) ?? "lost_claim")
  })
}

/**
 * Who sends a message whose row already held its key. One waiting for a provider retry is taken back into
 * `sending` by whoever gets there first, unless the send policy now holds it back: then it is skipped (the
 * person may have unsubscribed since its first attempt).
 */
async function ownershipOf(db: Database, message: StoredMessage, draft: MessageDraft, now: Date): Promise<ClaimedSend> {
  if (message.created || message.status !== "retrying") {
    return message
  }
  if (draft.status === "skipped") {
    const skipped = await markMessage(db, message.id, { status: "skipped", error: draft.error, now }, ["retrying"])
    return skipped ? { ...message, status: "skipped", created: true } : "already_handled"
  }
  const attempts = await startRetry(db, message.id, now)
  // Null: another worker took this retry between the insert above and the update.
  return attempts === null ? "already_handled" : { ...message, status: "sending", attempts, created: true }
}

/**
 * `claimSends` for one message: alone inside a caller's transaction (it must see and roll back with its
 * writes), otherwise together with the other messages this process claims meanwhile.
 */
export async function claimSend(ctx: ModuleContext, send: SendToClaim): Promise<ClaimedSend> {
  if (ctx.shared.transactionManager) {
    return (await claimSends(ctx, [send]))[0]
  }
  return await ctx.service.claimSendInGroup(send)
}
