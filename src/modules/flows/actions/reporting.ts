import { TWILIO_STATUS_PATH } from "../channels"
import type { PluginOptions } from "../options"
import { addInto, emptyPerformance, groupPerformance, variantPerformance } from "../analytics"
import type { FlowDefinition } from "../../../engine"
import { conversionCounts, dailyCounts, messageCounts, unsubscribeCounts, type AnalyticsRange } from "../sql/analytics"
import { conversionOfOrder } from "../sql/conversions"
import * as statsSql from "../sql/stats"
import type { ModuleContext } from "./context"
import type { ChannelName } from "../../../engine/constants"

/** Runs in progress, recent sends, opens, clicks and credited orders per flow, for the admin's flow list. */
export async function flowStats(ctx: ModuleContext, since: Date) {
  return await statsSql.flowStats(ctx.db, since)
}

/**
 * Sent, delivered, opened, clicked, not delivered, converted, revenue and unsubscribes over a period:
 * in all, per flow, per step, per day, and for each A/B split of the flows in it, variant by variant.
 */
export async function analytics(ctx: ModuleContext, range: AnalyticsRange) {
  const [messages, conversions, unsubscribes, daily] = await Promise.all([
    messageCounts(ctx.db, range),
    conversionCounts(ctx.db, range),
    unsubscribeCounts(ctx.db, range),
    dailyCounts(ctx.db, range),
  ])
  const rows = [...messages, ...conversions, ...unsubscribes]
  const steps = groupPerformance(rows, ["flow_id", "step_id"] as const)
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
