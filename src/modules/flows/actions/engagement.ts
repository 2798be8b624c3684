import {
  durationToMs,
  engagementLevel,
  type EngagementCounts,
  type EngagementLevel,
  type EngagementRules,
  type EngagementSendFact,
} from "../../../engine"
import type { ChannelName } from "../../../engine/constants"
import type { PluginOptions } from "../options"
import * as engagementSql from "../sql/engagement"
import type { RunRow } from "../types"
import type { ModuleContext } from "./context"

export type ContactEngagement = { level: EngagementLevel; counts: EngagementCounts }

/** The engagement options as the engine's rules; demo time (timeScale) shrinks them like every other duration. */
export function engagementRulesOf(options: Pick<PluginOptions, "defaults" | "scheduler">): EngagementRules {
  const { engagement } = options.defaults
  const { timeScale } = options.scheduler
  return {
    lapsing_after_ms: durationToMs(engagement.lapsingAfter, timeScale),
    unengaged_after_ms: durationToMs(engagement.unengagedAfter.period, timeScale),
    unengaged_after_messages: engagement.unengagedAfter.messages,
  }
}

/** The engagement level of each contact (at most MAX_CONTACTS_PER_COUNT), counted in one statement. */
export async function engagementOf(ctx: ModuleContext, contactIds: string[], now = new Date()): Promise<Map<string, ContactEngagement>> {
  const rules = engagementRulesOf(ctx.options)
  const since = new Date(now.getTime() - rules.unengaged_after_ms)
  const counts = await engagementSql.engagementCountsOf(ctx.db, contactIds, since, now)
  return new Map([...counts].map(([id, c]) => [id, { level: engagementLevel(c, rules, now), counts: c }]))
}

/** One contact's level, or null without a contact. */
export async function engagementLevelOf(ctx: ModuleContext, contactId: string | null, now = new Date()): Promise<ContactEngagement | null> {
  return contactId ? ((await engagementOf(ctx, [contactId], now)).get(contactId) ?? null) : null
}

/**
 * What the send policy needs about engagement for a run's message: the contact's level, whether the flow
 * is marked for unengaged contacts, and, with the stretched_cap policy, the messages in the stretched window.
 */
export async function engagementSendFact(
  ctx: ModuleContext,
  run: Pick<RunRow, "contact_id" | "flow_version_id">,
  now: Date,
  known?: Pick<ContactEngagement, "level"> | null
): Promise<EngagementSendFact | null> {
  const engagement = known ?? (await engagementLevelOf(ctx, run.contact_id, now))
  if (!engagement || !run.contact_id) {
    return null
  }
  const { unengaged } = ctx.options.defaults.engagement
  const fact: EngagementSendFact = { level: engagement.level, send_to_unengaged: false, policy: unengaged.send, stretched_cap: null }
  if (engagement.level !== "unengaged" || unengaged.send === "all") {
    return fact
  }
  fact.send_to_unengaged = await engagementSql.sendsToUnengaged(ctx.db, run.flow_version_id)
  if (unengaged.send === "stretched_cap") {
    const { frequencyCap } = ctx.options.defaults
    const windowMs = durationToMs(frequencyCap.per, ctx.options.scheduler.timeScale) * unengaged.capFactor
    const sent = await engagementSql.flowMessagesCountedSince(ctx.db, run.contact_id, new Date(now.getTime() - windowMs), now)
    fact.stretched_cap = { sent, max: frequencyCap.max }
  }
  return fact
}

/** Sets the channel a contact prefers (null clears it); false when there is no such contact. */
export async function setPreferredChannel(ctx: ModuleContext, contactId: string, channel: ChannelName | null, now = new Date()) {
  return await engagementSql.setPreferredChannel(ctx.db, contactId, channel, now)
}
