import {
  consentRefusal,
  contactTimezone,
  durationToMs,
  nextSendOf,
  type CountedSend,
  type EngagementSendFact,
  type PendingSend,
  type SendChannel,
  type SendFacts,
  type SmartSendingFacts,
  type WhenHeldRule,
} from "../../../engine"
import type { PhoneConsentState } from "../../../engine/constants"
import { normalizePhone } from "../channels/recipients"
import { consentsOf } from "../sql/contacts"
import type { Row } from "../sql/database"
import { phoneConsentOf } from "../sql/phone-consent"
import { activeRunsOfContacts, countedSendsOf, flowPriority, type ActiveRunOfContact } from "../sql/smart-sending"
import type { RunRow } from "../types"
import type { ModuleContext } from "./context"
import { engagementSendFact, type ContactEngagement } from "./engagement"
import { suppressedValues } from "./privacy"

/**
 * A send step as delivery sees it: its channel, its smart-sending rules from the definition, and the
 * person's engagement level when the caller has read it already (it is read otherwise).
 */
export type DeliveryStep = {
  id: string
  channel: SendChannel
  exempt?: boolean
  when_held?: WhenHeldRule
  engagement?: Pick<ContactEngagement, "level"> | null
  /**
   * Whether rendering does anything besides rendering (creates a discount code, stores a short link). Then
   * (the default) the send policy is asked before rendering as well, so a held message leaves nothing behind;
   * otherwise only once, under the contact's lock, which saves a round of reads per message.
   */
  render_has_side_effects?: boolean
}

/** A run's send step about to be decided, at `now`. */
export type SendInQuestion = { run: RunRow; step: DeliveryStep; now: Date }

/** Where a run's message on `channel` would go: its email, or its phone in E.164. */
export function recipientOf(
  ctx: ModuleContext,
  run: Pick<RunRow, "email" | "phone">,
  channel: SendChannel
): { to: string | null; invalid: string | null } {
  if (channel === "email") {
    return { to: run.email, invalid: null }
  }
  const phone = normalizePhone(run.phone, ctx.options.twilio?.defaultCountry)
  return "invalid" in phone ? { to: run.phone, invalid: phone.invalid } : { to: phone.e164, invalid: null }
}

/** The caps and the overlap window in milliseconds, compressed like every duration in demo time. */
function smartWindows(ctx: ModuleContext, channel: SendChannel) {
  const { defaults, scheduler } = ctx.options
  const ms = (duration: Parameters<typeof durationToMs>[0]) => durationToMs(duration, scheduler.timeScale)
  const channelCap = defaults.channelCaps[channel]
  return {
    total_cap: { max: defaults.frequencyCap.max, window_ms: ms(defaults.frequencyCap.per) },
    channel_cap: channelCap ? { max: channelCap.max, window_ms: ms(channelCap.per) } : null,
    overlap_ms: defaults.overlapWindow ? ms(defaults.overlapWindow) : 0,
  }
}

/** How far back a decision on `channel` counts messages: its longest window. */
function lookbackMs(ctx: ModuleContext, channel: SendChannel) {
  const windows = smartWindows(ctx, channel)
  return Math.max(windows.total_cap.window_ms, windows.channel_cap?.window_ms ?? 0, windows.overlap_ms)
}

/**
 * What deciding a group of sends needs to know about their people, read in one statement per kind
 * whatever the group's size: consent (rows locked with `lock`, until the caller's transaction ends),
 * counted messages, active runs and suppressed recipients. A decision that lets a message go records it
 * (`noteSend`), so the group's later decisions for the same person count it as a transaction of their own
 * would have. Rare questions (a rival text's number, a flow's priority without a contact) are asked when met.
 */
export class SendReads {
  private readonly phoneConsents = new Map<string, PhoneConsentState | null>()
  /** Messages this group let go to each contact, exempt ones included (the stretched cap counts them). */
  private readonly groupSends = new Map<string, number>()

  private constructor(
    private readonly ctx: ModuleContext,
    private readonly contacts: Map<string, Row>,
    private readonly counted: Map<string, CountedSend[]>,
    private readonly runs: Map<string, ActiveRunOfContact[]>,
    private readonly suppressed: Set<string>
  ) {}

  static async of(ctx: ModuleContext, sends: SendInQuestion[], { lock = false } = {}): Promise<SendReads> {
    const contactIds = sends.flatMap(({ run }) => run.contact_id ?? [])
    // The lock comes first: counted messages read after it include any a rival decision inserted.
    const contacts = await consentsOf(ctx.db, contactIds, { lock })
    const since = new Date(Math.min(...sends.map(({ step, now }) => now.getTime() - lookbackMs(ctx, step.channel))))
    const recipients = sends.flatMap(({ run, step }) => {
      const to = recipientOf(ctx, run, step.channel).to
      return to ? [{ channel: step.channel, value: to }] : []
    })
    const [counted, runs, suppressed] = await Promise.all([
      countedSendsOf(ctx.db, contactIds, since),
      activeRunsOfContacts(ctx.db, contactIds),
      suppressedValues(ctx, recipients),
    ])
    return new SendReads(ctx, contacts, counted, runs, suppressed)
  }

  contact(contactId: string | null) {
    return (contactId && this.contacts.get(contactId)) || null
  }

  countedSince(contactId: string, since: Date) {
    return (this.counted.get(contactId) ?? []).filter((send) => send.at > since)
  }

  activeRuns(contactId: string) {
    return this.runs.get(contactId) ?? []
  }

  isSuppressed(to: string | null) {
    return to ? this.suppressed.has(to) : false
  }

  async phoneConsent(phone: string | null) {
    if (!phone) {
      return null
    }
    if (!this.phoneConsents.has(phone)) {
      this.phoneConsents.set(phone, await phoneConsentOf(this.ctx.db, phone))
    }
    return this.phoneConsents.get(phone)!
  }

  /** A new message this group's decision lets go: later decisions for the person count it. */
  noteSend(contactId: string | null, send: CountedSend, { exempt = false } = {}) {
    if (!contactId) {
      return
    }
    this.groupSends.set(contactId, (this.groupSends.get(contactId) ?? 0) + 1)
    if (!exempt) {
      this.counted.set(contactId, [send, ...(this.counted.get(contactId) ?? [])])
    }
  }

  /** How many messages this group let go to the contact so far. */
  sentInGroup(contactId: string | null) {
    return (contactId && this.groupSends.get(contactId)) || 0
  }
}

/** The facts `decideSend` needs about a run's recipient: consent, time zone, recent messages and rival flows. */
export async function sendFactsFor(ctx: ModuleContext, send: SendInQuestion, reads: SendReads): Promise<SendFacts> {
  const { run, step, now } = send
  const { channel } = step
  const recipient = recipientOf(ctx, run, channel)
  const contact = reads.contact(run.contact_id)
  const { defaults, scheduler } = ctx.options
  const timezone = contactTimezone(contact, defaults.timezone).timezone
  const smart = await smartSendingFacts(ctx, send, reads, timezone)
  return {
    channel,
    flow_id: run.flow_id,
    to: recipient.to,
    invalid_recipient: recipient.invalid,
    consent: {
      email: contact?.email_consent ?? null,
      phone: channel === "sms" ? await reads.phoneConsent(recipient.to) : null,
      unsubscribed_flows: contact?.unsubscribed_flows ?? [],
    },
    email_policy: defaults.emailConsent,
    // Compressed demo time would hold every text for hours of real time.
    quiet_hours: scheduler.timeScale > 1 ? null : defaults.quietHours,
    timezone,
    cap: { sent: countIn(smart, smart.total_cap.window_ms, now), max: defaults.frequencyCap.max },
    suppressed: reads.isSuppressed(recipient.to),
    smart,
    engagement: withGroupSends(await engagementSendFact(ctx, run, now, step.engagement), reads.sentInGroup(run.contact_id)),
  }
}

/** The stretched cap counts the messages stored so far, and those its group let go before this one. */
function withGroupSends(fact: EngagementSendFact | null, sentInGroup: number): EngagementSendFact | null {
  return fact?.stretched_cap ? { ...fact, stretched_cap: { ...fact.stretched_cap, sent: fact.stretched_cap.sent + sentInGroup } } : fact
}

const countIn = (smart: SmartSendingFacts, windowMs: number, now: Date) =>
  smart.recent.filter((send) => send.at.getTime() > now.getTime() - windowMs).length

/**
 * Smart sending's facts for a run's step: the caps, the person's counted messages within the longest
 * window, and the next message of each of their other runs (what the definition alone foresees).
 */
async function smartSendingFacts(ctx: ModuleContext, send: SendInQuestion, reads: SendReads, timezone: string): Promise<SmartSendingFacts> {
  const { run, step, now } = send
  const windows = smartWindows(ctx, step.channel)
  const base = {
    run_id: run.id,
    exempt: step.exempt ?? false,
    when_held: step.when_held ?? "skip",
    ...windows,
  }
  if (!run.contact_id) {
    return {
      ...base,
      due_at: run.next_run_at ? new Date(run.next_run_at) : now,
      priority: await flowPriority(ctx.db, run.flow_id),
      recent: [],
      pending: [],
    }
  }
  const recent = reads.countedSince(run.contact_id, new Date(now.getTime() - lookbackMs(ctx, step.channel)))
  const runs = reads.activeRuns(run.contact_id)
  const own = runs.find((other) => other.id === run.id)
  const ownNext = own && nextSendOf(own.definition, { ...own, timezone }, now, { timeScale: ctx.options.scheduler.timeScale })
  return {
    ...base,
    due_at: ownNext?.step_id === step.id ? ownNext.at : run.next_run_at ? new Date(run.next_run_at) : now,
    priority: own?.priority ?? (await flowPriority(ctx.db, run.flow_id)),
    // A message stamped after `now` is one another worker inserted while this one waited for the contact's
    // lock: it went out all the same, so it counts as sent now, not as a future send that holds nothing back.
    recent: recent.map((sent) => (sent.at > now ? { ...sent, at: now } : sent)),
    pending: await pendingSendsOf(
      ctx,
      runs.filter((other) => other.id !== run.id),
      reads,
      reads.contact(run.contact_id),
      timezone,
      now
    ),
  }
}

/**
 * The next counted message of each run, when the definition foresees one and the person may get it: a
 * text to a number without consent is skipped when due, so it holds nothing back.
 */
async function pendingSendsOf(
  ctx: ModuleContext,
  runs: ActiveRunOfContact[],
  reads: SendReads,
  contact: Row | null,
  timezone: string,
  now: Date
): Promise<PendingSend[]> {
  const pending: PendingSend[] = []
  for (const other of runs) {
    const next = nextSendOf(other.definition, { ...other, timezone }, now, { timeScale: ctx.options.scheduler.timeScale })
    if (!next || next.step.exempt) {
      continue
    }
    const recipient = recipientOf(ctx, other, next.channel)
    const refusal =
      recipient.invalid ??
      consentRefusal({
        channel: next.channel,
        flow_id: other.flow_id,
        to: recipient.to,
        consent: {
          email: contact?.email_consent ?? null,
          phone: next.channel === "sms" ? await reads.phoneConsent(recipient.to) : null,
          unsubscribed_flows: contact?.unsubscribed_flows ?? [],
        },
        email_policy: ctx.options.defaults.emailConsent,
      })
    if (!refusal) {
      pending.push({ run_id: other.id, flow_id: other.flow_id, channel: next.channel, priority: other.priority, at: next.at })
    }
  }
  return pending
}
