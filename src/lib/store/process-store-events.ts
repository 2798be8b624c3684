import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { FLOWS_MODULE } from "../../modules/flows"
import { retryDelayMs } from "../../modules/flows/channels/retry"
import type FlowsModuleService from "../../modules/flows/service"
import type { InboxRow } from "../../modules/flows/sql/store-event-inbox"
import { recordingBatch, recordStoreEvent } from "./store-events"

/** Long enough for a batch's queries; a worker that dies leaves its events to be claimed again after it. */
const LEASE_MS = 120_000
const RETRY_BASE_MS = 5_000
const RETRY_MAX_MS = 3_600_000
/** Subjects recorded at once: each subject's own events go one after another. */
const SUBJECTS_AT_ONCE = 4

/** One piece of work: a run of the same event about one subject, recorded once with the latest payload. */
type Work = { subject: string; name: string; data: Record<string, any>; received_at: Date; ids: string[]; attempts: number }

export type InboxResult = { claimed: number; recorded: number; failed: number }

/** Each subject's events in arrival order, repeats in a row collapsed (ten cart.updated are one). */
export function workBySubject(rows: InboxRow[]): Work[][] {
  const queues = new Map<string, Work[]>()
  for (const row of [...rows].sort((a, b) => a.seq - b.seq)) {
    const queue = queues.get(row.subject_key) ?? []
    const last = queue[queue.length - 1]
    if (last?.name === row.name) {
      Object.assign(last, { data: row.data, received_at: new Date(row.received_at), attempts: Math.max(last.attempts, row.attempts) })
      last.ids.push(row.id)
    } else {
      queue.push({
        subject: row.subject_key,
        name: row.name,
        data: row.data,
        received_at: new Date(row.received_at),
        ids: [row.id],
        attempts: row.attempts,
      })
    }
    queues.set(row.subject_key, queue)
  }
  return [...queues.values()]
}

/** Splits each subject's work: up to and including its last order.placed first, the rest after. */
export function orderPlacedFirst(queues: Work[][]): [Work[][], Work[][]] {
  const cut = (queue: Work[]) => queue.map((work) => work.name).lastIndexOf("order.placed") + 1
  const nonEmpty = (list: Work[][]) => list.filter((queue) => queue.length)
  return [nonEmpty(queues.map((queue) => queue.slice(0, cut(queue)))), nonEmpty(queues.map((queue) => queue.slice(cut(queue))))]
}

async function inGroups<T>(items: T[], size: number, work: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map(work))
  }
}

/**
 * Records the store events the subscriber left in the inbox, one claimed batch of up to `limit`: loads
 * their facts and starts and ends runs, as the subscriber once did on the request path. order.placed goes
 * first, so the runs an order ends are ended before anything else in the batch (and before the scheduler
 * claims them). A failed event is kept with its error and tried again later; its subject's later events
 * wait behind it.
 */
export async function processStoreEvents(container: MedusaContainer, { limit = 500 }: { limit?: number } = {}): Promise<InboxResult> {
  const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
  const rows = await flows.claimStoreEvents(limit, LEASE_MS)
  if (!rows.length) {
    return { claimed: 0, recorded: 0, failed: 0 }
  }
  const queues = workBySubject(rows)
  const batch = await recordingBatch(container, queues.flat())
  const settled = { recorded: [] as string[], failed: [] as { ids: string[]; error: string; retryAt: Date }[], untried: [] as string[] }
  const failedSubjects = new Set<string>()

  const recordQueue = async (queue: Work[]) => {
    for (const [i, work] of queue.entries()) {
      if (failedSubjects.has(work.subject)) {
        settled.untried.push(...queue.slice(i).flatMap((w) => w.ids))
        return
      }
      try {
        await recordStoreEvent(container, work.name, work.data, work.received_at, batch)
        settled.recorded.push(...work.ids)
      } catch (error) {
        const message = (error as Error).message
        failedSubjects.add(work.subject)
        settled.failed.push({
          ids: work.ids,
          error: message,
          retryAt: new Date(Date.now() + retryDelayMs(work.attempts, RETRY_BASE_MS, RETRY_MAX_MS)),
        })
        container
          .resolve(ContainerRegistrationKeys.LOGGER)
          .warn(`medusa-plugin-flows: recording ${work.name} failed (attempt ${work.attempts}): ${message}`)
      }
    }
  }
  for (const phase of orderPlacedFirst(queues)) {
    await inGroups(phase, SUBJECTS_AT_ONCE, recordQueue)
  }
  await flows.settleStoreEvents(new Date(rows[0].claimed_until), settled)
  return { claimed: rows.length, recorded: settled.recorded.length, failed: settled.failed.reduce((n, f) => n + f.ids.length, 0) }
}
