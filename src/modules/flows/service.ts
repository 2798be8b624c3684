import { randomUUID } from "node:crypto"
import { isDeepStrictEqual } from "node:util"
import type { SqlEntityManager } from "@medusajs/framework/mikro-orm/postgresql"
import { MedusaError, MedusaService } from "@medusajs/framework/utils"
import {
  activityFingerprint,
  buildTemplateVariables,
  canEnter,
  describeTemplateIssues,
  durationToMs,
  evaluate,
  exitEventMatches,
  FlowDefinitionError,
  parseFlowDefinition,
  quietHoursEnd,
  renderEmail,
  renderSms,
  runsPerContact,
  shouldRestartWait,
  templateIssuesOf,
  type FlowDefinition,
  type TemplateVariables,
} from "../../engine"
import { emailConfirmationLink, linksFor } from "../../lib/signed-links"
import { BUILT_IN_FLOWS } from "./built-in"
import { EMAIL_CONFIRMATION } from "./built-in/email-confirmation"
import { createChannels, longestDeliveryMs, TWILIO_STATUS_PATH, type ClosableChannel } from "./channels"
import { countSegments, normalizePhone } from "./channels/recipients"
import { retryDelayMs } from "./channels/retry"
import type { QueuedOutcome } from "./channels/rate-limited"
import { ProviderError, type DeliveryResult } from "./channels/types"
import { ConsentEvidence, Contact, ContactEvent, Conversion, Flow, FlowRun, FlowVersion, Message, PhoneConsent, ProviderEvent, RateLimit, ShortLink } from "./models"
import { DEFAULT_MAX_SEGMENTS, parsePluginOptions, storeOf, type PluginOptions } from "./options"
import {
  addConsentEvidence,
  addTimelineEntry,
  consentOf,
  contactsLastOrderedBetween,
  engagementSince,
  normalizeEmail,
  noteOrderPlaced,
  setEmailConsent,
  upsertContact,
} from "./sql/contacts"
import { Database, withWriteRetries } from "./sql/database"
import { phoneConsentOf, setPhoneConsent, type PhoneConsentState } from "./sql/phone-consent"
import { countHits } from "./sql/rate-limits"
import * as flowSql from "./sql/flows"
import { insertMessageOnce, lastMessageTo, markMessage, markSent, startRetry } from "./sql/messages"
import * as runSql from "./sql/runs"
import { conversionCounts, dailyCounts, messageCounts, unsubscribeCounts, type AnalyticsRange } from "./sql/analytics"
import { attributeOrder, conversionOfOrder } from "./sql/conversions"
import { COUNTED_FOR_CAP } from "./sql/message-statuses"
import { lockProviderId } from "./sql/provider-events"
import { flowStats } from "./sql/stats"
import { openShortLink, shortRecoveryLink } from "./short-links"
import { addInto, emptyPerformance, groupPerformance, variantPerformance } from "./analytics"
import { messageKey, type ConsentInput, type RenderedMessage, type RunRow, type StoreEvent } from "./types"
import {
  applyInboundSms,
  applySendGridEvents,
  applyTwilioStatus,
  applyTwilioStatusesAwaiting,
  e164OrRaw,
  type SendGridEvent,
} from "./webhooks"

/** Medusa raises cart.created and cart.updated; flows only need to know the cart changed. */
const TRIGGER_ALIASES: Record<string, string> = { "cart.created": "cart.updated" }

/** The UTC day, for idempotency keys that allow one message a day. */
const dayOf = (now: Date) => now.toISOString().slice(0, 10)

const WIN_BACK_LOOKBACK = { amount: 7, unit: "days" } as const
const WIN_BACK_PAGE = 500

/** Cart edits are too frequent to be worth a timeline entry each. */
const EVENTS_KEPT_OFF_TIMELINE = new Set(["cart.updated"])

export type FlowInput = {
  name: string
  description?: string | null
  handle?: string | null
  definition: unknown
}

/** Validates a definition and every template in it, as a 400 that names what is wrong. */
function definitionToSave(input: unknown): FlowDefinition {
  let definition: FlowDefinition
  try {
    definition = parseFlowDefinition(input)
  } catch (error) {
    if (error instanceof FlowDefinitionError) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, error.message)
    }
    throw error
  }
  const issues = templateIssuesOf(definition)
  if (issues.length) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, `Invalid template: ${describeTemplateIssues(issues)}`)
  }
  return definition
}

/**
 * Why a flow's message must not go out, or null. SMS is opt-in only, and the consent is the receiving
 * number's own; email goes out unless the address unsubscribed (from all email or from this flow), or
 * with the opt_in policy only to people who said yes.
 */
function reasonNotToSend(
  consent: { email_consent?: string; unsubscribed_flows?: string[] | null; phone_consent?: PhoneConsentState | null },
  message: { channel: "email" | "sms"; to: string | null; flow_id: string },
  emailConsent: "opt_out" | "opt_in"
): string | null {
  const { channel, to } = message
  if (!to) {
    return channel === "email" ? "no email address" : "no phone number"
  }
  const state = channel === "email" ? consent.email_consent : consent.phone_consent
  if (state === "unsubscribed") {
    return `unsubscribed from ${channel}`
  }
  if (channel === "sms" && state === "pending") {
    return "SMS consent not confirmed yet"
  }
  if (channel === "sms" && state !== "granted") {
    return "no SMS consent for this number"
  }
  if (channel === "email" && emailConsent === "opt_in" && state !== "granted") {
    return "no email consent"
  }
  return consent.unsubscribed_flows?.includes(message.flow_id) ? "unsubscribed from this flow" : null
}

/** What became of a send step. `uncertain`: the call may have reached the provider; it is not sent again. */
export type SendOutcome =
  | "sent"
  | "skipped"
  | "failed"
  | "uncertain"
  | "already_handled"
  | "lost_claim"
  | { deferred_until: Date; reason: "quiet_hours" | "provider_retry" | "in_flight" }

class FlowsModuleService extends MedusaService({
  Flow,
  FlowVersion,
  FlowRun,
  Message,
  Contact,
  ContactEvent,
  ConsentEvidence,
  ProviderEvent,
  Conversion,
  ShortLink,
  PhoneConsent,
  RateLimit,
}) {
  protected readonly options_: PluginOptions
  protected readonly db_: Database
  protected readonly channels_: Record<"email" | "sms", ClosableChannel>

  // Medusa calls these hooks on its own modules' services too; they close the dispatch queues.
  __hooks = {
    onApplicationStart: async () => {
      await this.seedBuiltInFlows()
    },
    onApplicationShutdown: async () => {
      await Promise.all([this.channels_.email.close(), this.channels_.sms.close()])
    },
  }

  constructor(container: { manager: SqlEntityManager }, options: Record<string, unknown>) {
    // @ts-ignore MedusaService takes the module's container and options as they come
    super(...arguments)
    this.options_ = parsePluginOptions(options)
    this.db_ = new Database(container.manager)
    this.channels_ = createChannels(this.options_, (messageId, outcome) => this.recordQueuedOutcome(messageId, outcome))
  }

  /** The validated plugin options. Medusa's injected database settings are not part of them. */
  getOptions(): PluginOptions {
    return this.options_
  }

  async createFlowWithDefinition(input: FlowInput & { status?: flowSql.FlowStatus }) {
    const definition = definitionToSave(input.definition)
    const id = await this.db_.transaction((tx) =>
      flowSql.insertFlow(
        tx,
        {
          name: input.name,
          description: input.description ?? null,
          handle: input.handle ?? null,
          status: input.status ?? "draft",
          trigger_event: flowSql.triggerEventColumn(definition),
          definition,
        },
        new Date()
      )
    )
    return await this.retrieveFlow(id)
  }

  /**
   * Creates the built-in flows that this database has never had, as drafts. A flow the owner deleted
   * is not brought back; a lock keeps two processes starting together from both creating one.
   */
  async seedBuiltInFlows(): Promise<string[]> {
    return await this.db_.transaction(async (tx) => {
      await tx.rows(`SELECT pg_advisory_xact_lock(hashtext('medusa-plugin-flows:seed'))`)
      const handles = BUILT_IN_FLOWS.map((flow) => flow.handle)
      const known = await tx.rows(`SELECT handle FROM flows_flow WHERE handle IN (?)`, [handles])
      const missing = BUILT_IN_FLOWS.filter((flow) => !known.some((row) => row.handle === flow.handle))
      for (const flow of missing) {
        const definition = definitionToSave(flow.definition)
        await flowSql.insertFlow(
          tx,
          { ...flow, status: "draft", trigger_event: flowSql.triggerEventColumn(definition), definition },
          new Date()
        )
      }
      return missing.map((flow) => flow.handle)
    })
  }

  /**
   * Saves edits. A changed definition becomes a new version; runs already in the flow stay on
   * the version they entered with, so an edit never moves them to a step that may not exist.
   */
  async editFlow(id: string, input: Partial<FlowInput>) {
    const definition = input.definition === undefined ? undefined : definitionToSave(input.definition)
    const now = new Date()
    const result = await this.db_.transaction(async (tx) => {
      const flow = await flowSql.lockFlow(tx, id)
      if (!flow) {
        throw new MedusaError(MedusaError.Types.NOT_FOUND, `Flow with id "${id}" not found`)
      }
      let version = flow.version as number
      let versionId = flow.current_version_id as string
      const changed = definition && !isDeepStrictEqual(definition, flow.definition)
      if (changed) {
        version += 1
        versionId = await flowSql.insertVersion(tx, id, version, definition, now)
      }
      await tx.rows(
        `UPDATE flows_flow SET name = ?, description = ?, definition = ?::jsonb, trigger_event = ?,
           version = ?, current_version_id = ?, updated_at = ?
         WHERE id = ?`,
        [
          input.name ?? flow.name,
          input.description === undefined ? flow.description : input.description,
          JSON.stringify(definition ?? flow.definition),
          flowSql.triggerEventColumn(definition ?? (flow.definition as FlowDefinition)),
          version,
          versionId,
          now,
          id,
        ]
      )
      const runsOnOlderVersions = changed
        ? await flowSql.countActiveRunsOnOtherVersions(tx, id, versionId)
        : 0
      return { new_version: Boolean(changed), runs_on_previous_versions: runsOnOlderVersions }
    })
    return { flow: await this.retrieveFlow(id), ...result }
  }

  async setFlowStatus(id: string, status: flowSql.FlowStatus) {
    await this.retrieveFlow(id)
    await this.updateFlows({ id, status })
    return await this.retrieveFlow(id)
  }

  /** Deletes a flow and ends its runs; its messages stay in the log. */
  async removeFlow(id: string): Promise<void> {
    await this.retrieveFlow(id)
    const now = new Date()
    await this.db_.transaction(async (tx) => {
      const active = await tx.rows(`SELECT id FROM flows_run WHERE flow_id = ? AND status = 'active'`, [id])
      await runSql.endRuns(tx, active.map((r) => r.id), "exited", "flow_deleted", now)
      await tx.rows(`UPDATE flows_flow SET deleted_at = ?, status = 'paused' WHERE id = ?`, [now, id])
    })
  }

  /**
   * Records a store event: the contact and its timeline, the runs it ends and the runs it starts.
   * Safe to call twice with the same event.
   */
  async recordEvent(input: StoreEvent) {
    const country = input.identity.country_code?.toUpperCase() ?? this.options_.twilio?.defaultCountry
    const phone = input.identity.phone ? e164OrRaw(input.identity.phone, country) : null
    const event = { ...input, identity: { ...input.identity, phone } }
    const now = event.occurred_at
    const contactId = await upsertContact(this.db_, event.identity, now)
    if (contactId && !EVENTS_KEPT_OFF_TIMELINE.has(event.name)) {
      await addTimelineEntry(this.db_, {
        contact_id: contactId,
        type: event.name,
        occurred_at: now,
        dedupe_key: `${event.name}:${event.subject.id}`,
        data: { subject_type: event.subject.type, subject_id: event.subject.id },
      })
    }
    if (contactId && event.name === "order.placed") {
      await noteOrderPlaced(this.db_, contactId, now)
      await this.attributeOrder(event, contactId, now)
    }
    const exited = await this.exitRunsOn(event, now)
    const { entered, restarted } = await this.enterFlowsOn(event, contactId, now)
    return { contact_id: contactId, entered, exited, restarted }
  }

  /** Credits a placed order to the flow message that last reached the buyer within the attribution window. */
  protected async attributeOrder(event: StoreEvent, contactId: string, now: Date) {
    const order = event.facts.order as { id: string; total?: unknown; currency_code?: string } | undefined
    if (!order?.currency_code) {
      return
    }
    const window = durationToMs(this.options_.defaults.attributionWindow, this.options_.scheduler.timeScale)
    await attributeOrder(this.db_, {
      order_id: order.id,
      contact_id: contactId,
      amount: Number(order.total ?? 0),
      currency_code: order.currency_code,
      ordered_at: now,
      since: new Date(now.getTime() - window),
    })
  }

  protected async exitRunsOn(event: StoreEvent, now: Date): Promise<string[]> {
    const candidates = await runSql.activeRunsFor(this.db_, event.identity)
    const matching = candidates.filter((run) =>
      exitEventMatches(run.definition as FlowDefinition, { name: event.name, ...event.identity }, run)
    )
    return await runSql.endRuns(this.db_, matching.map((r) => r.id), "exited", `event:${event.name}`, now)
  }

  /** Starts the flows the event triggers, or restarts the wait of a subject already in one. */
  protected async enterFlowsOn(event: StoreEvent, contactId: string | null, now: Date) {
    const trigger = TRIGGER_ALIASES[event.name] ?? event.name
    const flows = await flowSql.activeFlowsTriggeredBy(this.db_, trigger)
    const fingerprint = activityFingerprint(event.facts)
    const entered: string[] = []
    const restarted: string[] = []
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
      const active = await runSql.activeRunOf(this.db_, flow.id, subject)
      if (active) {
        if (shouldRestartWait(active.definition, active, fingerprint) && (await runSql.restartWait(this.db_, active.id, fingerprint!, now))) {
          restarted.push(active.id)
        }
        continue
      }
      const history = await runSql.previousRuns(this.db_, flow.id, subject)
      if (!canEnter(definition.reentry, history, now, this.options_.scheduler.timeScale).ok) {
        continue
      }
      const runId = await runSql.insertRunIfNoneActive(this.db_, {
        flow_id: flow.id,
        flow_version_id: flow.current_version_id,
        subject_type: subject.type,
        subject_id: subject.id,
        identity: event.identity,
        contact_id: contactId,
        context: fingerprint ? { fingerprint } : {},
        now,
      })
      if (runId) {
        entered.push(runId)
      }
    }
    return { entered, restarted }
  }

  /**
   * Records when each person last ordered, for win-back; a later time never moves back. Returns how many
   * people it recorded. Used to import the orders placed before the plugin was installed.
   */
  async noteLastOrders(people: { email: string | null; customer_id: string | null; at: Date }[], now = new Date()) {
    let recorded = 0
    for (const person of people) {
      const contactId = await upsertContact(this.db_, { email: person.email, customer_id: person.customer_id }, now)
      if (contactId) {
        await noteOrderPlaced(this.db_, contactId, person.at, now)
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
  async startWinBackRuns(now = new Date()): Promise<string[]> {
    const { timeScale } = this.options_.scheduler
    const flows = await flowSql.activeFlowsTriggeredBy(this.db_, "customer.inactive")
    const entered: string[] = []
    for (const flow of flows) {
      const inactiveFor = (flow.definition as FlowDefinition).trigger.inactive_for!
      const mark = new Date(now.getTime() - durationToMs(inactiveFor, timeScale))
      const from = new Date(mark.getTime() - durationToMs(WIN_BACK_LOOKBACK, timeScale))
      for (let offset = 0; ; offset += WIN_BACK_PAGE) {
        const contacts = await contactsLastOrderedBetween(this.db_, from, mark, WIN_BACK_PAGE, offset)
        for (const contact of contacts) {
          const person = {
            customer_id: contact.customer_id, email: contact.email, phone: contact.phone,
            first_name: contact.first_name, last_name: contact.last_name,
          }
          const result = await this.recordEvent({
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

  /** Reserves due runs for this worker. */
  async claimDueRuns(now: Date = new Date()): Promise<RunRow[]> {
    const { batchSize, leaseMs } = this.options_.scheduler
    return await runSql.claimDueRuns(this.db_, { limit: batchSize, leaseMs, token: randomUUID(), now })
  }

  async parkRun(run: RunRow, park: Omit<Parameters<typeof runSql.parkRun>[2], "now">, now = new Date()) {
    return await runSql.parkRun(this.db_, run, { ...park, now })
  }

  async finishRun(run: RunRow, end: Omit<Parameters<typeof runSql.finishClaimedRun>[2], "now">, now = new Date()) {
    return await runSql.finishClaimedRun(this.db_, run, { ...end, now })
  }

  async retryRun(run: RunRow, error: string, at: Date, now = new Date()) {
    return await runSql.retryClaimedRun(this.db_, run, { error, at, now })
  }

  /** What the engine needs to know about the person behind a run: engagement, timezone, name. */
  async personFacts(run: RunRow) {
    const contact = await consentOf(this.db_, run.contact_id)
    return {
      engagement: await engagementSince(this.db_, run.contact_id, run.id, new Date(run.created_at)),
      timezone: (contact?.timezone as string | null) ?? this.options_.defaults.timezone,
      // For people with no customer account, such as newsletter sign-ups, templates read `customer` from here.
      person: {
        email: run.email,
        phone: run.phone,
        first_name: (contact?.first_name as string | null) ?? null,
        last_name: (contact?.last_name as string | null) ?? null,
      },
    }
  }

  /**
   * Sends one step's message at most once. The idempotency key (flow, run, step) is written
   * before the provider is called, so a retry, a second worker or a redelivered event finds
   * it and sends nothing; a message whose send may have gone out is never sent again.
   */
  async deliverStepMessage(
    run: RunRow,
    step: { id: string; channel: "email" | "sms" },
    content: { rendered: RenderedMessage } | { skip: string },
    now = new Date()
  ): Promise<SendOutcome> {
    const contact = await consentOf(this.db_, run.contact_id)
    const rendered = "rendered" in content ? content.rendered : { channel: step.channel }
    const recipient = this.recipientFor(run, step.channel, rendered)
    const reason =
      ("skip" in content ? content.skip : null) ??
      recipient.invalid ??
      reasonNotToSend(
        { ...contact, phone_consent: step.channel === "sms" ? await phoneConsentOf(this.db_, recipient.to) : null },
        { channel: step.channel, to: recipient.to, flow_id: run.flow_id },
        this.options_.defaults.emailConsent
      )
    // A text that will go out waits for the end of the recipient's quiet hours; email is not held back.
    const { quietHours, timezone } = this.options_.defaults
    const compressed = this.options_.scheduler.timeScale > 1
    const quietUntil =
      step.channel === "sms" && !reason && !compressed ? quietHoursEnd(now, quietHours, contact?.timezone ?? timezone) : null
    if (quietUntil) {
      return { deferred_until: quietUntil, reason: "quiet_hours" }
    }
    const idempotencyKey = messageKey(run, step.id)
    const claimed = await this.db_.transaction(async (tx) => {
      if (!(await runSql.holdsClaim(tx, run))) {
        return "lost_claim" as const
      }
      const capped = !reason && (await this.frequencyCapReached(tx, run.contact_id, now))
      const message = await insertMessageOnce(
        tx,
        {
          ...rendered,
          idempotency_key: idempotencyKey,
          flow_id: run.flow_id,
          run_id: run.id,
          step_id: step.id,
          contact_id: run.contact_id,
          provider: this.channels_[step.channel].provider,
          to: recipient.to,
          segments: recipient.segments,
          status: reason || capped ? "skipped" : "sending",
          error: reason ?? (capped ? "frequency cap reached" : null),
        },
        now
      )
      if (message.created || message.status !== "retrying") {
        return message
      }
      const attempts = await startRetry(tx, message.id, now)
      // Null: another worker took this retry between the read above and the update.
      return attempts === null ? ("already_handled" as const) : { ...message, status: "sending", attempts, created: true }
    })
    if (claimed === "lost_claim" || claimed === "already_handled") {
      return claimed
    }
    if (!claimed.created) {
      if (claimed.status !== "sending") {
        return "already_handled"
      }
      // Another worker may still be in its provider call (its lease ran out first): wait for its answer.
      const answeredBy = new Date(claimed.updated_at.getTime() + longestDeliveryMs(this.options_))
      if (now < answeredBy) {
        return { deferred_until: answeredBy, reason: "in_flight" }
      }
      // The worker died during the provider call: the message may have gone out, so it is not sent again.
      await markMessage(this.db_, claimed.id, {
        status: "uncertain",
        error: "interrupted during the provider call; not sent again to avoid a duplicate",
        now,
      }, ["sending"])
      return "uncertain"
    }
    if (claimed.status === "skipped") {
      return "skipped"
    }
    return await this.callProvider(run, step, { ...rendered, id: claimed.id, to: recipient.to! }, claimed.attempts, now)
  }

  protected recipientFor(run: RunRow, channel: "email" | "sms", rendered: RenderedMessage) {
    if (channel === "email") {
      return { to: run.email, segments: null, invalid: null }
    }
    const phone = normalizePhone(run.phone, this.options_.twilio?.defaultCountry)
    if ("invalid" in phone) {
      return { to: run.phone, segments: null, invalid: phone.invalid }
    }
    const { segments } = countSegments(rendered.text ?? "")
    const limit = this.options_.twilio?.maxSegments ?? DEFAULT_MAX_SEGMENTS
    const tooLong = segments > limit ? `text is ${segments} segments, over the limit of ${limit}` : null
    return { to: phone.e164, segments, invalid: tooLong }
  }

  protected async callProvider(
    run: Pick<RunRow, "id" | "flow_id" | "contact_id">,
    step: { id: string; channel: "email" | "sms" },
    message: RenderedMessage & { id: string; to: string },
    attempt: number,
    now: Date
  ): Promise<SendOutcome> {
    let result: DeliveryResult
    try {
      result = await this.channels_[step.channel].deliver({
        ...message,
        idempotency_key: messageKey(run, step.id),
        flow_id: run.flow_id,
        run_id: run.id,
        step_id: step.id,
        unsubscribe_url: linksFor(this.options_, { contact_id: run.contact_id, flow_id: run.flow_id }).unsubscribe,
      })
    } catch (error) {
      return await this.recordRefusal(run, message, error as Error, attempt, now)
    }
    // Past this point the provider has the message: nothing below may fail it, or a retry would send it twice.
    await this.recordSent(message.id, result, now)
    await this.addToTimeline(run, `${step.channel}.sent`, message.id, now, { subject: message.subject ?? null })
    return "sent"
  }

  /**
   * Stores a send's result with its provider id, and applies the status callbacks that arrived before it.
   * The writes are retried; if they still fail the message stays `sending`, and a later tick marks it
   * `uncertain`: never `failed`, never sent again.
   */
  protected async recordSent(messageId: string, result: DeliveryResult, now: Date): Promise<void> {
    await withWriteRetries(() =>
      this.db_.transaction(async (tx) => {
        if (result.provider_id) {
          await lockProviderId(tx, result.provider_id)
        }
        if ((await markSent(tx, messageId, result, now)) && result.provider_id) {
          await applyTwilioStatusesAwaiting(tx, messageId, result.provider_id, now)
        }
      })
    )
  }

  /** A provider call that threw: retried later, failed, or `uncertain` when it may have gone out. */
  protected async recordRefusal(
    run: Pick<RunRow, "id" | "flow_id" | "contact_id">,
    message: { id: string; to: string },
    error: Error,
    attempt: number,
    now: Date
  ): Promise<SendOutcome> {
    if (!(error instanceof ProviderError)) {
      await markMessage(this.db_, message.id, { status: "failed", error: error.message, now })
      return "failed"
    }
    const { retryable, code, retryAfterMs, recipientOptedOut, mayHaveBeenSent } = error.details
    if (mayHaveBeenSent) {
      // Only from `sending`: a queued send whose result came in meanwhile keeps it.
      await markMessage(this.db_, message.id, { status: "uncertain", error: error.message, error_code: code, now }, ["sending"])
      return "uncertain"
    }
    const { maxAttempts, baseDelayMs, maxDelayMs } = this.options_.delivery
    if (retryable && attempt < maxAttempts) {
      await markMessage(this.db_, message.id, { status: "retrying", error: error.message, error_code: code, now })
      const delay = retryAfterMs ?? retryDelayMs(attempt, baseDelayMs, maxDelayMs)
      return { deferred_until: new Date(now.getTime() + delay), reason: "provider_retry" }
    }
    await markMessage(this.db_, message.id, { status: "failed", error: error.message, error_code: code, now })
    if (recipientOptedOut) {
      // The number replied STOP to our sender at some point: no contact may text it any more.
      await setPhoneConsent(this.db_, message.to, "unsubscribed", now)
      await this.addToTimeline(run, "sms.opted_out", message.id, now, { error_code: code })
    }
    return "failed"
  }

  /**
   * A send that went through the Redis queue finished. Its caller records it too, unless it stopped
   * waiting: then the message is `uncertain`, and this settles it, sent with its provider id or refused.
   */
  async recordQueuedOutcome(messageId: string, outcome: QueuedOutcome, now = new Date()) {
    if ("result" in outcome) {
      await this.recordSent(messageId, outcome.result, now)
      return
    }
    const { message, details } = outcome.error
    await markMessage(this.db_, messageId, { status: "failed", error: message, error_code: details.code ?? null, now }, ["uncertain"])
  }

  protected async addToTimeline(run: Pick<RunRow, "id" | "flow_id" | "contact_id">, type: string, messageId: string, now: Date, data: Record<string, unknown>) {
    if (!run.contact_id) {
      return
    }
    await addTimelineEntry(this.db_, {
      contact_id: run.contact_id,
      type,
      occurred_at: now,
      dedupe_key: `${type}:${messageId}`,
      flow_id: run.flow_id,
      run_id: run.id,
      message_id: messageId,
      data,
    })
  }

  /**
   * The short recovery link for a text about `cartId`. `carriedBy` is the idempotency key of the message
   * that will carry it (null for previews and test sends), so a tap counts as that message's click.
   * Null if the link's code is taken by another link (the signed link serves then).
   */
  async shortRecoveryLink(cartId: string, carriedBy: string | null, now = new Date()): Promise<string | null> {
    return await shortRecoveryLink(this.db_, this.options_, cartId, carriedBy, now)
  }

  /**
   * The links a message carries. A text's recovery link is the short one (a signed link alone would take
   * two segments); `carriedBy` is the message's idempotency key, null for previews and test sends.
   */
  async messageLinks(
    ids: { cart_id?: string | null; contact_id?: string | null; flow_id?: string | null },
    channel: "email" | "sms",
    carriedBy: string | null,
    now = new Date()
  ) {
    const links = linksFor(this.options_, ids)
    const short = channel === "sms" && ids.cart_id ? await this.shortRecoveryLink(ids.cart_id, carriedBy, now) : null
    return { ...links, recovery: short ?? links.recovery }
  }

  /** Where a short link leads; a tap by a person (not a link-preview bot) counts as a click. */
  async openShortLink(code: string, countClick: boolean, now = new Date()) {
    return await openShortLink(this.db_, code, countClick, now)
  }

  /** The SMS consent of a number (E.164), or null when it never asked or answered. */
  async smsConsentOf(phone: string | null): Promise<PhoneConsentState | null> {
    return await phoneConsentOf(this.db_, phone)
  }

  /**
   * Counts a storefront sign-up against the limit per minute, for the client's IP, the email and the
   * phone number each; true when any of them is over it.
   */
  async consentRateLimited(input: { email?: string; phone?: string; country_code?: string }, ip: string | null, now = new Date()) {
    const phone = input.phone ? e164OrRaw(input.phone, input.country_code?.toUpperCase() ?? this.options_.twilio?.defaultCountry) : null
    const keys = [
      ip && `consent:ip:${ip}`,
      input.email && `consent:email:${normalizeEmail(input.email)}`,
      phone && `consent:phone:${phone}`,
    ].filter((key): key is string => Boolean(key))
    return (await countHits(this.db_, keys, now)) > this.options_.consentRequestsPerMinute
  }

  /**
   * Records consent given on the storefront, with its evidence: the exact text shown, the source, the
   * time, the IP and the user agent. The form is anonymous, so it only adds to what we know: it never
   * changes an existing contact's phone, name or time zone, never grants SMS to a number that has not
   * confirmed with YES (with double opt-in), and never re-subscribes an unsubscribed address or a number
   * that replied STOP: the address confirms by email, the number by texting START.
   */
  async captureConsent(input: ConsentInput, client: { ip: string | null; user_agent: string | null }, now = new Date()) {
    let phone: string | null = null
    if (input.phone) {
      const normalized = normalizePhone(input.phone, input.country_code?.toUpperCase() ?? this.options_.twilio?.defaultCountry)
      if ("invalid" in normalized) {
        throw new MedusaError(MedusaError.Types.INVALID_DATA, normalized.invalid)
      }
      phone = normalized.e164
    }
    const contactId = (await upsertContact(
      this.db_,
      { email: input.email, phone, first_name: input.first_name, last_name: input.last_name, timezone: input.timezone },
      now
    ))!
    const contact = await consentOf(this.db_, contactId)
    const granted: ("email" | "sms")[] = []
    const awaitingConfirmation: ("email" | "sms")[] = []
    const evidence = (channel: "email" | "sms", state: "requested" | "granted", recipient: string) =>
      addConsentEvidence(this.db_, { contact_id: contactId, channel, state, recipient, source: input.source, text: input.text, ...client }, now)

    if (input.channels.includes("email") && input.email) {
      if (contact?.email_consent === "unsubscribed") {
        await evidence("email", "requested", normalizeEmail(input.email)!)
        await this.sendEmailConfirmation(contactId, normalizeEmail(input.email)!, contact.first_name ?? input.first_name ?? null, now)
        awaitingConfirmation.push("email")
      } else {
        await setEmailConsent(this.db_, { id: contactId }, "granted", now)
        await evidence("email", "granted", normalizeEmail(input.email)!)
        granted.push("email")
      }
    }
    if (input.channels.includes("sms") && phone) {
      const before = await phoneConsentOf(this.db_, phone)
      const state =
        before === "granted" || before === "unsubscribed"
          ? before
          : await setPhoneConsent(this.db_, phone, this.options_.smsDoubleOptIn ? "pending" : "granted", now, [null, "pending"])
      await evidence("sms", state === "granted" ? "granted" : "requested", phone)
      if (state === "granted") {
        granted.push("sms")
      } else {
        awaitingConfirmation.push("sms")
        // A number that replied STOP is not texted again until it texts START.
        if (state === "pending") {
          await this.sendSmsConfirmation(contactId, phone, contact?.first_name ?? input.first_name ?? null, now)
        }
      }
    }
    if (granted.length) {
      await addTimelineEntry(this.db_, {
        contact_id: contactId, type: "consent.granted", occurred_at: now, data: { channels: granted, source: input.source },
      })
    }
    if (awaitingConfirmation.length) {
      await addTimelineEntry(this.db_, {
        contact_id: contactId, type: "consent.requested", occurred_at: now, data: { channels: awaitingConfirmation, source: input.source },
      })
    }
    if (granted.includes("email")) {
      const person = { email: input.email!, first_name: input.first_name ?? null, last_name: input.last_name ?? null }
      await this.recordEvent({
        name: "newsletter.subscribed",
        occurred_at: now,
        subject: { type: "contact", id: contactId },
        identity: { ...person, phone },
        facts: { customer: { ...person, phone }, signup: { source: input.source, channels: input.channels } },
      })
    }
    return { contact_id: contactId, channels: granted, awaiting_confirmation: awaitingConfirmation }
  }

  /**
   * Asks a number that signed up for texts to reply YES. One a day at most per number, whichever contact
   * asked (the idempotency key holds the number and the date), so the form cannot flood somebody's phone.
   */
  protected async sendSmsConfirmation(contactId: string, phone: string, firstName: string | null, now: Date) {
    const { body } = await renderSms(
      { body: this.options_.smsConfirmationText },
      buildTemplateVariables({ store: storeOf(this.options_), customer: { first_name: firstName } })
    )
    await this.sendStandalone(
      { id: "sms-confirmation", channel: "sms" },
      { idempotency_key: `sms-confirmation:${phone}:${dayOf(now)}`, to: phone, contact_id: contactId, flow_id: null },
      { channel: "sms", text: body },
      now
    )
  }

  /**
   * Asks an unsubscribed address that signed up again on a form to confirm by email: a form alone could be
   * anyone's. One a day at most per address.
   */
  protected async sendEmailConfirmation(contactId: string, email: string, firstName: string | null, now: Date) {
    const variables = buildTemplateVariables({
      store: storeOf(this.options_),
      customer: { first_name: firstName },
      links: linksFor(this.options_, { contact_id: contactId }),
    })
    const withLink: TemplateVariables & { confirm_url: string } = {
      ...variables,
      confirm_url: emailConfirmationLink(this.options_, contactId, email),
    }
    const rendered = await renderEmail(EMAIL_CONFIRMATION, withLink)
    await this.sendStandalone(
      { id: "email-confirmation", channel: "email" },
      { idempotency_key: `email-confirmation:${email}:${dayOf(now)}`, to: email, contact_id: contactId, flow_id: null },
      { channel: "email", ...rendered },
      now
    )
  }

  /**
   * The address confirmed from the email sent by `sendEmailConfirmation`: email consent again, from every
   * flow, with the confirmation as evidence. The link names the address, so a contact whose address
   * changed since is not subscribed by it.
   */
  async confirmEmailSubscription(contactId: string, email: string, client: { ip: string | null; user_agent: string | null }, now = new Date()) {
    const contact = await this.db_.first(`SELECT email FROM flows_contact WHERE id = ? AND deleted_at IS NULL`, [contactId])
    if (!contact || contact.email !== email) {
      return false
    }
    await this.resubscribeEmail(contactId, now, "email_confirmation")
    await addConsentEvidence(this.db_, {
      contact_id: contactId, channel: "email", state: "granted", recipient: email, source: "email_confirmation",
      text: "Confirmed from the link in the confirmation email", ...client,
    }, now)
    return true
  }

  /** Sends a message that belongs to no run (a test send, a confirmation) once, now, without retries. */
  protected async sendStandalone(
    step: { id: string; channel: "email" | "sms" },
    message: { idempotency_key: string; to: string; contact_id: string | null; flow_id: string | null },
    rendered: RenderedMessage,
    now: Date
  ): Promise<string> {
    const channel = this.channels_[step.channel]
    const { id, created } = await insertMessageOnce(
      this.db_,
      {
        ...rendered,
        ...message,
        run_id: null,
        step_id: step.id,
        provider: channel.provider,
        status: "sending",
        segments: step.channel === "sms" ? countSegments(rendered.text ?? "").segments : null,
      },
      now
    )
    if (!created) {
      return id
    }
    let result: DeliveryResult
    try {
      result = await channel.deliver({
        ...rendered,
        id,
        idempotency_key: id,
        to: message.to,
        flow_id: message.flow_id ?? step.id,
        run_id: "none",
        step_id: step.id,
      })
    } catch (error) {
      const details = error instanceof ProviderError ? error.details : null
      const status = details?.mayHaveBeenSent ? "uncertain" : "failed"
      await markMessage(this.db_, id, { status, error: (error as Error).message, error_code: details?.code ?? null, now }, ["sending"])
      return id
    }
    await this.recordSent(id, result, now)
    return id
  }

  /** From an unsubscribe link: all marketing email, or only one flow's. */
  async unsubscribeEmail(contactId: string, flowId: string | null, now = new Date()) {
    if (flowId) {
      await this.db_.rows(
        `UPDATE flows_contact SET unsubscribed_flows = COALESCE(unsubscribed_flows, '[]'::jsonb) || jsonb_build_array(?::text),
           updated_at = ?
         WHERE id = ? AND NOT COALESCE(unsubscribed_flows, '[]'::jsonb) @> jsonb_build_array(?::text)`,
        [flowId, now, contactId, flowId]
      )
    } else {
      await setEmailConsent(this.db_, { id: contactId }, "unsubscribed", now)
    }
    // Links carry the flow, not the message: the unsubscribe is credited to the last email that flow sent.
    const message = await lastMessageTo(this.db_, contactId, "email", flowId)
    await addTimelineEntry(this.db_, {
      contact_id: contactId,
      type: "email.unsubscribed",
      occurred_at: now,
      flow_id: flowId ?? message?.flow_id ?? null,
      run_id: message?.run_id ?? null,
      message_id: message?.id ?? null,
      data: { source: "link" },
    })
  }

  /** From the preference page (reached from a link sent to the address) or a confirmation email: email again, from every flow. */
  async resubscribeEmail(contactId: string, now = new Date(), source: "link" | "email_confirmation" = "link") {
    await setEmailConsent(this.db_, { id: contactId }, "granted", now)
    await this.db_.rows(`UPDATE flows_contact SET unsubscribed_flows = '[]'::jsonb WHERE id = ?`, [contactId])
    await addTimelineEntry(this.db_, { contact_id: contactId, type: "email.resubscribed", occurred_at: now, data: { source } })
  }

  /**
   * Sends one step's content to an address the owner gives, to see it as recipients will. It is
   * logged like any message, marked as a test, and skips consent, quiet hours and the cap.
   */
  async sendTestMessage(
    flowId: string,
    step: { id: string; channel: "email" | "sms" },
    to: string,
    rendered: RenderedMessage,
    now = new Date()
  ) {
    let recipient = to.trim()
    if (step.channel === "sms") {
      const phone = normalizePhone(recipient, this.options_.twilio?.defaultCountry)
      if ("invalid" in phone) {
        throw new MedusaError(MedusaError.Types.INVALID_DATA, `Cannot text ${to}: ${phone.invalid}`)
      }
      recipient = phone.e164
    }
    const id = await this.sendStandalone(
      step,
      { idempotency_key: `test:${randomUUID()}`, to: recipient, contact_id: null, flow_id: flowId },
      rendered,
      now
    )
    await this.updateMessages({ id, metadata: { test: true } })
    return await this.retrieveMessage(id)
  }

  /** Runs in progress, recent sends, opens, clicks and credited orders per flow, for the admin's flow list. */
  async flowStats(since: Date) {
    return await flowStats(this.db_, since)
  }

  /**
   * Sent, delivered, opened, clicked, not delivered, converted, revenue and unsubscribes over a period:
   * in all, per flow, per step, per day, and for each A/B split of the flows in it, variant by variant.
   */
  async analytics(range: AnalyticsRange) {
    const [messages, conversions, unsubscribes, daily] = await Promise.all([
      messageCounts(this.db_, range),
      conversionCounts(this.db_, range),
      unsubscribeCounts(this.db_, range),
      dailyCounts(this.db_, range),
    ])
    const rows = [...messages, ...conversions, ...unsubscribes]
    const steps = groupPerformance(rows, ["flow_id", "step_id"] as const)
    const flows = await this.listFlows(range.flow_id ? { id: range.flow_id } : {}, { select: ["id", "name", "definition"] })
    return {
      from: range.from,
      to: range.to,
      totals: rows.reduce(addInto, emptyPerformance()),
      flows: groupPerformance(rows, ["flow_id"] as const).map((row) => ({ ...row, name: flows.find((f) => f.id === row.flow_id)?.name ?? null })),
      steps,
      variants: flows.flatMap((flow) =>
        variantPerformance(flow.definition as unknown as FlowDefinition, steps.filter((s) => s.flow_id === flow.id)).map((split) => ({
          flow_id: flow.id,
          ...split,
        }))
      ),
      daily,
    }
  }

  /** The flow message an order is credited to, and the messages of the runs about this order. */
  async orderActivity(orderId: string) {
    const messages = await this.db_.rows(
      `SELECT m.id, m.flow_id, f.name AS flow_name, m.step_id, m.channel, m.status, m."to", m.subject, m.error,
         m.sent_at, m.created_at
       FROM flows_message m JOIN flows_run r ON r.id = m.run_id LEFT JOIN flows_flow f ON f.id = m.flow_id
       WHERE r.order_id = ? AND m.deleted_at IS NULL ORDER BY m.created_at`,
      [orderId]
    )
    return { attribution: await conversionOfOrder(this.db_, orderId), messages }
  }

  /**
   * Sends a failed or uncertain flow message again, once: the status moves to sending in one conditional
   * update, so a double click or two admins cannot send it twice. Consent is checked again. An uncertain
   * message may already have reached the person, so it is only sent again when `confirmDuplicateRisk` says so.
   */
  async retryMessage(id: string, { confirmDuplicateRisk = false } = {}, now = new Date()) {
    const message = await this.db_.first(
      `SELECT id, flow_id, run_id, step_id, contact_id, channel, status, "to", subject, preheader, html, text
       FROM flows_message WHERE id = ? AND deleted_at IS NULL`,
      [id]
    )
    if (!message) {
      throw new MedusaError(MedusaError.Types.NOT_FOUND, `Message ${id} was not found`)
    }
    if (!["failed", "uncertain"].includes(message.status) || !message.run_id) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        message.run_id
          ? `Only a failed or uncertain message can be retried; this one is ${message.status}`
          : "A test message is sent again from the flow editor"
      )
    }
    if (message.status === "uncertain" && !confirmDuplicateRisk) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        "This message may already have been sent (the provider did not answer): sending it again may duplicate it. Confirm with confirm_duplicate_risk: true"
      )
    }
    const contact = await consentOf(this.db_, message.contact_id)
    const refusal = reasonNotToSend(
      { ...contact, phone_consent: message.channel === "sms" ? await phoneConsentOf(this.db_, message.to) : null },
      { channel: message.channel, to: message.to, flow_id: message.flow_id },
      this.options_.defaults.emailConsent
    )
    if (refusal) {
      throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `Not retried: ${refusal}`)
    }
    const claimed = await this.db_.first(
      `UPDATE flows_message SET status = 'sending', error = NULL, error_code = NULL, attempts = attempts + 1, updated_at = ?
       WHERE id = ? AND status = ? RETURNING id`,
      [now, id, message.status]
    )
    if (!claimed) {
      throw new MedusaError(MedusaError.Types.CONFLICT, "This message is already being retried")
    }
    const run = { id: message.run_id, flow_id: message.flow_id, contact_id: message.contact_id }
    // As the last allowed attempt: a provider that refuses again fails the message, for the owner to see.
    await this.callProvider(run, { id: message.step_id, channel: message.channel }, message as RenderedMessage & { id: string; to: string }, this.options_.delivery.maxAttempts, now)
    return await this.retrieveMessage(id)
  }

  /**
   * What the settings page shows: which provider each channel uses, the webhook URLs to give them and
   * the defaults. Never a key, token, secret or connection string.
   */
  settings() {
    const { sendgrid, twilio, defaults, backendUrl, storefrontUrl, scheduler, rateLimits, redisUrl } = this.options_
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
      trusted_proxy_hops: this.options_.trustedProxyHops,
    }
  }

  /** Asks the channel's provider whether its credentials work; sends nothing. */
  async checkCredentials(channel: "email" | "sms") {
    const provider = this.channels_[channel].provider
    try {
      return { channel, provider, ok: true, detail: await this.channels_[channel].checkCredentials() }
    } catch (error) {
      return { channel, provider, ok: false, detail: (error as Error).message }
    }
  }

  /** SendGrid's Event Webhook: status, timeline and suppression; each event counts once. */
  async recordSendGridEvents(events: SendGridEvent[], now = new Date()) {
    return await applySendGridEvents(this.db_, events, now)
  }

  /** Twilio's status callback; one that comes before the send's sid is stored waits for it. */
  async recordTwilioStatus(params: Record<string, string>, now = new Date()) {
    await applyTwilioStatus(this.db_, params, now)
  }

  /** Handles STOP, START and HELP texts; returns the keyword found, if any. */
  async recordInboundSms(params: Record<string, string>, now = new Date()) {
    return await applyInboundSms(this.db_, params, now)
  }

  /**
   * Whether the contact already got `frequencyCap.max` messages, from any flow, within the cap's
   * window; messages outside flows (a consent confirmation) do not count. The contact row is locked for
   * the rest of the transaction so two workers cannot both send the last allowed message.
   */
  protected async frequencyCapReached(tx: Database, contactId: string | null, now: Date): Promise<boolean> {
    if (!contactId) {
      return false
    }
    const { max, per } = this.options_.defaults.frequencyCap
    await tx.rows(`SELECT id FROM flows_contact WHERE id = ? FOR UPDATE`, [contactId])
    const row = await tx.first(
      `SELECT count(*)::int AS sent FROM flows_message
       WHERE contact_id = ? AND run_id IS NOT NULL AND status IN (?) AND created_at > ? AND deleted_at IS NULL`,
      [contactId, COUNTED_FOR_CAP, new Date(now.getTime() - durationToMs(per, this.options_.scheduler.timeScale))]
    )
    return (row?.sent ?? 0) >= max
  }

}

export default FlowsModuleService
