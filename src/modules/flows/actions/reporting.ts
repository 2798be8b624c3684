import { TWILIO_STATUS_PATH } from "../channels"
import type { PluginOptions } from "../options"
import { addInto, emptyPerformance, groupPerformance, variantPerformance } from "../analytics"
import type { FlowDefinition } from "../../../engine"
import { conversionCounts, dailyCounts, linkClicks, messageCounts, unsubscribeCounts, type AnalyticsRange } from "../sql/analytics"
import { dayEnd, dayStart, dirtyDays, foldDirtyDays, rollupCounts, rollupDaily } from "../sql/rollups"
import type { Database, Row } from "../sql/database"
import { ensureRollupTriggers } from "../sql/rollup-triggers"
import { conversionOfOrder } from "../sql/conversions"
import * as statsSql from "../sql/stats"
import type { ModuleContext } from "./context"
import type { ChannelName } from "../../../engine/constants"

/** Runs in progress, recent sends, opens, clicks and credited orders per flow, for the admin's flow list. */
export async function flowStats(ctx: ModuleContext, since: Date) {
  return await statsSql.flowStats(ctx.db, since)
}

const DAY_MS = 86_400_000

/** Past this many separate raw stretches (scattered out-of-date days), the whole period is read raw. */
const MAX_RAW_SEGMENTS = 8

/**
 * Splits a period into what the daily rollup answers (whole UTC days it holds up to date) and the stretches
 * read from the raw tables: the partial days at either end and the days changed since their rollup was built.
 */
export function planRead(range: AnalyticsRange, dirty: Date[]) {
  const first = dayEnd(range.from)
  const last = dayStart(range.to)
  if (first >= last) {
    return { rollup: null, raw: [{ from: range.from, to: range.to }] }
  }
  const raw: { from: Date; to: Date }[] = []
  const add = (from: Date, to: Date) => {
    const previous = raw[raw.length - 1]
    if (previous && previous.to.getTime() === from.getTime()) {
      previous.to = to
    } else if (from < to) {
      raw.push({ from, to })
    }
  }
  add(range.from, first)
  for (const day of dirty) {
    add(day, new Date(day.getTime() + DAY_MS))
  }
  add(last, range.to)
  if (raw.length > MAX_RAW_SEGMENTS) {
    return { rollup: null, raw: [{ from: range.from, to: range.to }] }
  }
  return { rollup: { from: first, to: last, except: dirty }, raw }
}

/** The per-key rows and per-day rows of a period: the rollup's whole days plus the raw stretches. */
export async function periodRows(db: Database, range: AnalyticsRange) {
  await ensureRollupTriggers(db)
  const plan = planRead(range, await dirtyDays(db, dayEnd(range.from), dayStart(range.to)))
  const parts = await Promise.all([
    ...(plan.rollup
      ? [
          (async () => {
            const scoped = { ...plan.rollup!, flow_id: range.flow_id }
            const [rows, daily] = await Promise.all([
              rollupCounts(db, scoped, plan.rollup!.except),
              rollupDaily(db, scoped, plan.rollup!.except),
            ])
            return { rows, daily }
          })(),
        ]
      : []),
    ...plan.raw.map(async (segment) => {
      const scoped = { ...segment, flow_id: range.flow_id }
      const [messages, conversions, unsubscribes, daily] = await Promise.all([
        messageCounts(db, scoped),
        conversionCounts(db, scoped),
        unsubscribeCounts(db, scoped),
        dailyCounts(db, scoped),
      ])
      return { rows: [...messages, ...conversions, ...unsubscribes], daily }
    }),
  ])
  return { rows: parts.flatMap((p) => p.rows), daily: mergeDaily(parts.flatMap((p) => p.daily)) }
}

function mergeDaily(rows: Row[]) {
  const days = new Map<string, Row>()
  for (const row of rows) {
    const day = days.get(row.day) ?? { day: row.day, sent: 0, opened: 0, machine_opened: 0, clicked: 0, converted: 0 }
    for (const key of ["sent", "opened", "machine_opened", "clicked", "converted"]) {
      day[key] += Number(row[key] ?? 0)
    }
    days.set(row.day, day)
  }
  return [...days.values()].sort((a, b) => (a.day < b.day ? -1 : 1))
}

/**
 * Sent, delivered, opened (by people, and by mail proxies apart), clicked, not delivered, converted,
 * canceled, revenue net of refunds and unsubscribes over a period: in all, per flow, per step (with
 * click-through per link when the period is about one flow), per day, and for each A/B split of the flows in it, variant by variant.
 * Whole days come from the daily rollup (flows_daily_stat); the rest from the raw tables, with the same figures.
 */
export async function analytics(ctx: ModuleContext, range: AnalyticsRange) {
  const [{ rows, daily }, links] = await Promise.all([
    periodRows(ctx.db, range),
    // Per link only for one flow: the admin shows steps for one flow at a time.
    range.flow_id ? linkClicks(ctx.db, { ...range, flow_id: range.flow_id }) : [],
  ])
  const steps = groupPerformance(rows, ["flow_id", "step_id"] as const).map((step) => ({
    ...step,
    links: links
      .filter((link) => link.flow_id === step.flow_id && link.step_id === step.step_id)
      .map((link) => ({
        url: link.url as string,
        clicked: Number(link.clicked),
        click_rate: step.delivered ? Number(link.clicked) / step.delivered : null,
      })),
  }))
  const flows = await ctx.service.listFlows(
    range.flow_id ? { id: range.flow_id } : {},
    { select: ["id", "name", "definition"] },
    ctx.shared
  )
  return {
    from: range.from,
    to: range.to,
    totals: rows.reduce(addInto, emptyPerformance()),
    flows: groupPerformance(rows, ["flow_id"] as const).map((row) => ({
      ...row,
      name: flows.find((f) => f.id === row.flow_id)?.name ?? null,
    })),
    steps,
    variants: flows.flatMap((flow) =>
      variantPerformance(
        flow.definition as unknown as FlowDefinition,
        steps.filter((s) => s.flow_id === flow.id)
      ).map((split) => ({
        flow_id: flow.id,
        ...split,
      }))
    ),
    daily,
  }
}

/** Builds the daily rollup of up to `limit` changed days (jobs/fold-analytics-rollups.ts); returns how many. */
export async function foldRollups(ctx: ModuleContext, limit: number, now: Date) {
  await ensureRollupTriggers(ctx.db)
  return (await foldDirtyDays(ctx.db, limit, now)).length
}

/** The flow message an order is credited to, and the messages of the runs about this order. */
export async function orderActivity(ctx: ModuleContext, orderId: string) {
  const messages = await ctx.db.rows(
    `SELECT m.id, m.flow_id, f.name AS flow_name, m.step_id, m.channel, m.status, m."to", m.subject, m.error,
       m.sent_at, m.created_at
     FROM flows_message m JOIN flows_run r ON r.id = m.run_id LEFT JOIN flows_flow f ON f.id = m.flow_id
     WHERE r.order_id = ? AND m.deleted_at IS NULL ORDER BY m.created_at`,
    [orderId]
  )
  return { attribution: await conversionOfOrder(ctx.db, orderId), messages }
}

/**
 * What the settings page shows: which provider each channel uses, the webhook URLs to give them and
 * the defaults. Never a key, token, secret or connection string.
 */
export function settings(options: PluginOptions) {
  const { sendgrid, twilio, defaults, backendUrl, storefrontUrl, scheduler, rateLimits, redisUrl } = options
  return {
    email: sendgrid
      ? {
          provider: "sendgrid",
          from: sendgrid.from,
          reply_to: sendgrid.replyTo ?? null,
          data_residency: sendgrid.dataResidency,
          custom_api_base: Boolean(sendgrid.apiBaseUrl),
          unsubscribe_group_id: sendgrid.unsubscribeGroupId ?? null,
          webhook_signature_checked: Boolean(sendgrid.webhookVerificationKey),
        }
      : { provider: "sandbox" },
    sms: twilio
      ? {
          provider: "twilio",
          account: `${twilio.accountSid.slice(0, 2)}…${twilio.accountSid.slice(-4)}`,
          from: twilio.from ?? null,
          messaging_service_sid: twilio.messagingServiceSid ?? null,
          default_country: twilio.defaultCountry ?? null,
          max_segments: twilio.maxSegments,
          custom_api_base: Boolean(twilio.apiBaseUrl),
        }
      : { provider: "sandbox" },
    webhooks: {
      sendgrid_events: `${backendUrl}/hooks/flows/sendgrid`,
      twilio_status: `${backendUrl}${TWILIO_STATUS_PATH}`,
      twilio_inbound: `${backendUrl}/hooks/flows/twilio/inbound`,
    },
    defaults,
    storefront_url: storefrontUrl,
    backend_url: backendUrl,
    time_scale: scheduler.timeScale,
    rate_limits: rateLimits,
    shared_rate_limits: Boolean(redisUrl),
    trusted_proxy_hops: options.trustedProxyHops,
  }
}

/** Asks the channel's provider whether its credentials work; sends nothing. */
export async function checkCredentials(ctx: ModuleContext, channel: ChannelName) {
  const provider = ctx.channels[channel].provider
  try {
    return { channel, provider, ok: true, detail: await ctx.channels[channel].checkCredentials() }
  } catch (error) {
    return { channel, provider, ok: false, detail: (error as Error).message }
  }
}

/** Days of sends and orders behind the flow canvas's per-step counts. */
export const STEP_COUNTS_DAYS = 30

/**
 * Per step of one flow, for its canvas: runs waiting there now, and messages sent and orders credited
 * in the last 30 days. `entering` counts runs the scheduler has not placed on a step yet.
 */
export async function stepCounts(ctx: ModuleContext, flowId: string, now: Date) {
  const range = { from: new Date(now.getTime() - STEP_COUNTS_DAYS * 86_400_000), to: now, flow_id: flowId }
  const [waiting, messages, conversions] = await Promise.all([
    statsSql.activeRunsByStep(ctx.db, flowId),
    messageCounts(ctx.db, range),
    conversionCounts(ctx.db, range),
  ])
  const steps: Record<string, { waiting: number; sent: number; converted: number }> = {}
  const of = (stepId: string) => (steps[stepId] ??= { waiting: 0, sent: 0, converted: 0 })
  let entering = 0
  for (const row of waiting) {
    if (row.step_id) of(row.step_id).waiting += Number(row.waiting)
    else entering += Number(row.waiting)
  }
  for (const row of messages) if (row.step_id) of(row.step_id).sent += Number(row.sent)
  for (const row of conversions) if (row.step_id) of(row.step_id).converted += Number(row.converted)
  return { from: range.from, to: range.to, entering, steps }
}
