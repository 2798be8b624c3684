import {
  activityFingerprint,
  decideEntry,
  durationToMs,
  evaluate,
  exitEventMatches,
  runsPerContact,
  shouldRestartWait,
  type FlowDefinition,
  timezoneFromAddress,
  type SubjectRef,
} from "../../../engine"
import { e164OrRaw } from "../channels/recipients"
import { addTimelineEntry, contactsLastOrderedBetween, noteOrderPlaced, upsertContact } from "../sql/contacts"
import * as conversionSql from "../sql/conversions"
import * as experimentSql from "../sql/experiments"
import { noteCartActivity } from "../sql/engagement"
import * as flowSql from "../sql/flows"
import * as runSql from "../sql/runs"
import type { StoreEvent } from "../types"
import type { ModuleContext } from "./context"
import { withoutSuppressed } from "./privacy"

/** Medusa raises cart.created and cart.updated; flows only need to know the cart changed. */
const TRIGGER_ALIASES: Record<string, string> = { "cart.created": "cart.updated" }

const WIN_BACK_LOOKBACK = { amount: 7, unit: "days" } as const
const WIN_BACK_PAGE = 500

/** Cart edits are too frequent to be worth a timeline entry each. */
const EVENTS_KEPT_OFF_TIMELINE = new Set(["cart.updated"])

/**
 * What the events of one batch share: the active flows, read once for the batch (when its first event
 * needs them), not once an event. A flow activated meanwhile is seen from the next batch on; one paused or
 * removed meanwhile starts no run (the insert checks it).
 */
export type EntryBatch = { activeFlows?: ReturnType<typeof flowSql.activeFlowsWithTriggers> }

async function flowsTriggeredBy(ctx: ModuleContext, trigger: string, batch: EntryBatch) {
  // A failed read is not kept: the batch's next event reads again.
  batch.activeFlows ??= flowSql.activeFlowsWithTriggers(ctx.db).catch((error) => {
    batch.activeFlows = undefined
    throw error
  })
  return (await batch.activeFlows).filter((flow) => flow.triggers.includes(trigger))
}

/**
 * Records a store event: the contact and its timeline, the runs it ends and the runs it starts.
 * Safe to call twice with the same event.
 */
export async function recordEvent(ctx: ModuleContext, input: StoreEvent, batch: EntryBatch = {}) {
  const country = input.identity.country_code?.toUpperCase() ?? ctx.options.twilio?.defaultCountry
  const phone = input.identity.phone ? e164OrRaw(input.identity.phone, country) : null
  const address_timezone = timezoneFromAddress(input.identity, ctx.options.defaults.timezone)
  const event = { ...input, identity: { ...input.identity, phone, address_timezone } }
  const now = event.occurred_at
  // An erased person's address or number is suppressed: their new activity records nothing and starts no run.
  const kept = await withoutSuppressed(ctx, event.identity)
  if (kept.dropped && !kept.identity.email && !kept.identity.phone) {
    const exited = [...(await exitRunsOn(ctx, event, now)), ...(await endRunsOfDeletedCustomer(ctx, event, now))]
    return { contact_id: null, entered: [] as string[], exited, restarted: [] as string[] }
  }
  event.identity = { ...kept.identity, phone: kept.identity.phone ?? null, address_timezone: kept.identity.address_timezone ?? null }
  const contactId = await upsertContact(ctx.db, event.identity, now)
  if (contactId && !EVENTS_KEPT_OFF_TIMELINE.has(event.name)) {
    await addTimelineEntry(ctx.db, {
      contact_id: contactId,
      type: event.name,
      occurred_at: now,
      dedupe_key: `${event.name}:${event.subject.id}`,
      data: { subject_type: event.subject.type, subject_id: event.subject.id },
    })
  }
  if (contactId && (event.name === "cart.updated" || event.name === "cart.created")) {
    // Cart activity is engagement; cart edits stay off the timeline, so the contact keeps the last one.
    await noteCartActivity(ctx.db, contactId, now)
  }
  if (contactId && event.name === "order.placed") {
    await noteOrderPlaced(ctx.db, contactId, now)
    await attributeOrder(ctx, event, contactId, now)
  }
  const exited = [...(await exitRunsOn(ctx, event, now)), ...(await endRunsOfDeletedCustomer(ctx, event, now))]
  const { entered, restarted, followed } = await enterFlowsOn(ctx, event, contactId, now, batch)
  return { contact_id: contactId, entered, exited, restarted, followed }
}

/**
 * A deleted customer must not be messaged: every active run of theirs (their id, or their email) ends,
 * whatever the flows' exit rules. Runs whose flow lists customer.deleted have already exited by that rule.
 */
async function endRunsOfDeletedCustomer(ctx: ModuleContext, event: StoreEvent, now: Date): Promise<string[]> {
  if (event.name !== "customer.deleted") {
    return []
  }
  const { customer_id, email } = event.identity
  const runs = await runSql.activeRunsFor(ctx.db, { customer_id, email })
  return await runSql.endRuns(
    ctx.db,
    runs.map((run) => run.id),
    "exited",
    "customer_deleted",
    now
  )
}

/** Credits a placed order to the flow message that last reached the buyer within the attribution window. */
async function attributeOrder(ctx: ModuleContext, event: StoreEvent, contactId: string, now: Date) {
  const order = event.facts.order as { id: string; total?: unknown; currency_code?: string } | undefined
  if (!order?.currency_code) {
    return
  }
  const window = durationToMs(ctx.options.defaults.attributionWindow, ctx.options.scheduler.timeScale)
  await experimentSql.recordRunOrders(ctx.db, {
    order_id: order.id,
    contact_id: contactId,
    amount: Number(order.total ?? 0),
    currency_code: order.currency_code,
    ordered_at: now,
    ended_since: new Date(now.getTime() - window),
  })
  await conversionSql.attributeOrder(ctx.db, {
    order_id: order.id,
    contact_id: contactId,
    amount: Number(order.total ?? 0),
    currency_code: order.currency_code,
    ordered_at: now,
    since: new Date(now.getTime() - window),
  })
}

async function exitRunsOn(ctx: ModuleContext, event: StoreEvent, now: Date): Promise<string[]> {
  const candidates = await runSql.activeRunsFor(ctx.db, event.identity)
  const matching = candidates.filter((run) =>
    exitEventMatches(run.definition as FlowDefinition, { name: event.name, ...event.identity }, run)
  )
  return await runSql.endRuns(
    ctx.db,
    matching.map((r) => r.id),
    "exited",
    `event:${event.name}`,
    now
  )
}

/** The cart or order an event is about, which a person-scoped run follows; none for other events. */
function eventSubject(event: StoreEvent): SubjectRef & { type: "cart" | "order" | null } {
  const type = event.subject.type === "cart" || event.subject.type === "order" ? event.subject.type : null
  if (!type) {
    return { type, id: null }
  }
  const record = event.facts[type] as { created_at?: unknown } | undefined
  const created = record?.created_at ? new Date(record.created_at as string) : null
  return {
    type,
    id: event.identity[`${type}_id`] ?? event.subject.id,
    created_at: created && !Number.isNaN(created.getTime()) ? created : null,
  }
}

/**
 * Starts the flows the event triggers, restarts the wait of a subject already in one, or (re-entry scoped
 * to the person) moves the person's run to their newer cart or order.
 */
async function enterFlowsOn(ctx: ModuleContext, event: StoreEvent, contactId: string | null, now: Date, batch: EntryBatch) {
  const trigger = TRIGGER_ALIASES[event.name] ?? event.name
  const flows = await flowsTriggeredBy(ctx, trigger, batch)
  const fingerprint = activityFingerprint(event.facts)
  const current = eventSubject(event)
  const { timeScale } = ctx.options.scheduler
  const entered: string[] = []
  const restarted: string[] = []
  const followed: string[] = []
  for (const flow of flows) {
    const definition = flow.definition as FlowDefinition
    if (definition.trigger.filters && !evaluate(definition.trigger.filters, event.facts)) {
      continue
    }
    const perContact = runsPerContact(definition)
    const subjectId = perContact ? contactId : event.subject.id
    if (!subjectId) {
      continue
    }
    const subject = { type: perContact ? ("contact" as const) : event.subject.type, id: subjectId }
    // Twice at most: a run another event of the same person started meanwhile is then followed instead.
    for (let attempt = 0; attempt < 2; attempt++) {
      const active =
        perContact && contactId
          ? await runSql.activeRunOfContact(ctx.db, flow.id, contactId)
          : await runSql.activeRunOf(ctx.db, flow.id, subject)
      const history = active
        ? []
        : perContact && contactId
          ? await runSql.previousRunsOfContact(ctx.db, flow.id, contactId)
          : await runSql.previousRuns(ctx.db, flow.id, subject)
      const activeSubject = active && current.type ? { id: active[`${current.type}_id`], created_at: active.subject_created_at } : null
      const decision = decideEntry({
        definition,
        event: current,
        active: active ? (activeSubject ?? { id: null }) : null,
        history,
        now,
        timeScale,
      })
      if (decision.action === "follow" && active) {
        const moved = await runSql.followSubject(ctx.db, active.id, {
          identity: event.identity,
          fingerprint,
          subject_created_at: current.created_at ?? null,
          now,
        })
        if (moved) {
          followed.push(active.id)
          break
        }
        // Another event moved the run on, or ended it, since it was read: read again.
        continue
      }
      if (decision.action === "stay" && active) {
        if (
          decision.reason === "already_active" &&
          shouldRestartWait(active.definition, active, fingerprint) &&
          (await runSql.restartWait(ctx.db, active.id, fingerprint!, now))
        ) {
          restarted.push(active.id)
        }
        break
      }
      if (decision.action === "refuse" && decision.reason === "already_active") {
        // A run started between the two reads (they are separate statements): read again, to follow or stay.
        continue
      }
      if (decision.action !== "enter") {
        break
      }
      const runId = await runSql.insertRunIfNoneActive(ctx.db, {
        flow_id: flow.id,
        flow_version_id: flow.current_version_id,
        subject_type: subject.type,
        subject_id: subject.id,
        identity: event.identity,
        contact_id: contactId,
        context: {
          ...(fingerprint && { fingerprint }),
          ...(current.created_at && { subject_created_at: current.created_at.toISOString() }),
        },
        holdout_percent: definition.holdout?.percent ?? null,
        now,
      })
      if (runId) {
        entered.push(runId)
        break
      }
    }
  }
  return { entered, restarted, followed }
}

/**
 * Records when each person last ordered, for win-back; a later time never moves back. Returns how many
 * people it recorded. Used to import the orders placed before the plugin was installed.
 */
export async function noteLastOrders(
  ctx: ModuleContext,
  people: { email: string | null; customer_id: string | null; at: Date }[],
  now = new Date()
) {
  let recorded = 0
  for (const person of people) {
    // An erased person's address is not collected again from the order history.
    if ((await withoutSuppressed(ctx, { email: person.email })).dropped) {
      continue
    }
    const contactId = await upsertContact(ctx.db, { email: person.email, customer_id: person.customer_id }, now)
    if (contactId) {
      await noteOrderPlaced(ctx.db, contactId, person.at, now)
      recorded += 1
    }
  }
  return recorded
}

/**
 * Win-back: for each active `customer.inactive` flow, records the event for the people whose last
 * order crossed the flow's `inactive_for` mark within the past week (a week, so a few days of
 * downtime lose nobody). It reads an index over last-order times, so its cost follows the people
 * who qualify, not the number of orders. Reentry rules keep anyone from entering twice.
 */
export async function startWinBackRuns(ctx: ModuleContext, now = new Date()): Promise<string[]> {
  const { timeScale } = ctx.options.scheduler
  const flows = await flowSql.activeFlowsTriggeredBy(ctx.db, "customer.inactive")
  const entered: string[] = []
  for (const flow of flows) {
    const inactiveFor = (flow.definition as FlowDefinition).trigger.inactive_for!
    const mark = new Date(now.getTime() - durationToMs(inactiveFor, timeScale))
    const from = new Date(mark.getTime() - durationToMs(WIN_BACK_LOOKBACK, timeScale))
    for (let offset = 0; ; offset += WIN_BACK_PAGE) {
      const contacts = await contactsLastOrderedBetween(ctx.db, from, mark, WIN_BACK_PAGE, offset)
      for (const contact of contacts) {
        const person = {
          customer_id: contact.customer_id,
          email: contact.email,
          phone: contact.phone,
          first_name: contact.first_name,
          last_name: contact.last_name,
        }
        const result = await recordEvent(ctx, {
          name: "customer.inactive",
          occurred_at: now,
          subject: contact.customer_id ? { type: "customer", id: contact.customer_id } : { type: "contact", id: contact.id },
          identity: person,
          facts: { customer: { ...person, id: contact.customer_id, last_order_at: contact.last_order_at } },
        })
        entered.push(...result.entered)
      }
      if (contacts.length < WIN_BACK_PAGE) {
        break
      }
    }
  }
  return entered
}
