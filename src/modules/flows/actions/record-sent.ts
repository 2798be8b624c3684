import type { DeliveryResult } from "../channels/types"
import { addTimelineEntries, type TimelineEntry } from "../sql/contacts"
import { withWriteRetries } from "../sql/database"
import { markSent, markSentMany, type SentResult } from "../sql/messages"
import { lockProviderId } from "../sql/provider-events"
import type { ModuleContext } from "./context"
import { applyTwilioStatusesAwaiting } from "./webhooks"

/** A message the provider accepted, and the entry it adds to the person's timeline. */
export type SentRecord = { sent: SentResult; timeline: TimelineEntry | null }

/** Stores many sends' results and timeline entries in one transaction, retried if it fails. */
export async function writeSentRecords(ctx: ModuleContext, records: SentRecord[]): Promise<void[]> {
  await withWriteRetries(() =>
    ctx.db.transaction(async (tx) => {
      await markSentMany(
        tx,
        records.map((record) => record.sent)
      )
      await addTimelineEntries(
        tx,
        records.flatMap((record) => record.timeline ?? [])
      )
    })
  )
  return records.map(() => undefined)
}

/**
 * Stores a send's result with its provider id, and its timeline entry. The writes are retried; if they
 * still fail the message stays `sending`, and a later tick marks it `uncertain`: never `failed`, never sent
 * again. Twilio's status callbacks can arrive before the provider id is stored, so a text's result is
 * stored under a lock on that id, with the callbacks that came first; other results are stored together
 * with those this process records meanwhile (SendGrid's events carry our own id).
 */
export async function recordSent(
  ctx: ModuleContext,
  messageId: string,
  result: DeliveryResult,
  now: Date,
  { provider = null, timeline = null }: { provider?: string | null; timeline?: TimelineEntry | null } = {}
): Promise<void> {
  const providerId = result.provider_id
  if ((!provider || provider === "twilio") && providerId) {
    await withWriteRetries(() =>
      ctx.db.transaction(async (tx) => {
        await lockProviderId(tx, providerId)
        if (await markSent(tx, messageId, result, now)) {
          await applyTwilioStatusesAwaiting(tx, messageId, providerId, now)
        }
        await addTimelineEntries(tx, timeline ? [timeline] : [])
      })
    )
    return
  }
  const record = { sent: { id: messageId, status: result.status, provider_id: providerId, now }, timeline }
  if (ctx.shared.transactionManager) {
    await writeSentRecords(ctx, [record])
    return
  }
  await ctx.service.recordSentInGroup(record)
}
