import type { Context, Logger } from "@medusajs/framework/types"
import { InjectManager, InjectTransactionManager, MedusaContext, MedusaService } from "@medusajs/framework/utils"
import * as authoring from "./actions/authoring"
import * as brand from "./actions/brand"
import type { FlowInput, PromotionInput } from "./actions/authoring"
import * as experiments from "./actions/experiments"
import type { ExperimentRange } from "./sql/experiments"
import type { ModuleContext } from "./actions/context"
import * as consent from "./actions/consent"
import type { ConsentClient } from "./actions/consent"
import * as delivery from "./actions/delivery"
import * as engagement from "./actions/engagement"
import * as entry from "./actions/entry"
import * as links from "./actions/links"
import * as privacy from "./actions/privacy"
import type { PersonKey } from "./actions/privacy"
import * as reporting from "./actions/reporting"
import { preferredChannelFor } from "./actions/preferred-channel"
import * as runs from "./actions/runs"
import { applyInboundSms, applySendGridEvents, applyTwilioStatus, type SendGridEvent } from "./actions/webhooks"
import { createChannels, type ClosableChannel } from "./channels"
import { e164OrRaw } from "./channels/recipients"
import type { QueuedOutcome } from "./channels/rate-limited"
import {
  ConsentEvidence,
  Contact,
  ContactEvent,
  Conversion,
  Flow,
  FlowRun,
  FlowVersion,
  Message,
  PhoneConsent,
  ProviderEvent,
  RateLimit,
  RunOrder,
  ShortLink,
  Suppression,
  Erasure,
  Setting,
  SplitAssignment,
} from "./models"
import { parsePluginOptions, type PluginOptions } from "./options"
import type { AnalyticsRange } from "./sql/analytics"
import { adjustConversion, type RevenueAdjustmentInput } from "./sql/conversions"
import { Database } from "./sql/database"
import * as inbox from "./sql/store-event-inbox"
import { definitionsOf } from "./sql/smart-sending"
import type { StepContent } from "./actions/delivery"
import type { DeliveryStep } from "./actions/send-facts"
import { claimSends, type ClaimedSend, type SendToClaim } from "./actions/claim-sends"
import { GroupCommit } from "./group-commit"
import type { End, Park } from "./sql/runs"
import { writeSentRecords, type SentRecord } from "./actions/record-sent"
import type { ConsentInput, RenderedMessage, RunRow, StoreEvent } from "./types"
import type { ChannelName, FlowStatus } from "../../engine/constants"
import type { BrandSettings } from "../../engine/email-blocks"

export type { FlowInput } from "./actions/authoring"
export type { SendOutcome } from "./actions/delivery"

/** Medusa registers its logger in every module's container; a bare container (a test) has none. */
function loggerOf(container: Record<string, unknown>): Pick<Logger, "warn"> {
  try {
    return (container.logger as Logger | undefined) ?? console
  } catch {
    return console
  }
}

/**
 * The module's service: the generated CRUD for every model, and a thin facade over the actions in
 * `actions/` (authoring, entry, runs, delivery, links, consent, reporting, webhooks). Each method takes
 * Medusa's shared context last, so its writes join a caller's transaction when there is one.
 */
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
  Suppression,
  Erasure,
  Setting,
  SplitAssignment,
  RunOrder,
}) {
  protected readonly options_: PluginOptions
  protected readonly channels_: Record<ChannelName, ClosableChannel>

  // Medusa calls these hooks on its own modules' services too; they close the dispatch queues.
  __hooks = {
    onApplicationStart: async () => {
      await this.seedBuiltInFlows()
      await this.warnIfEmailHasNoAddress()
      // Required here, not imported above: the dispatcher imports this module, so an import would be a cycle.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const dispatcher = require("../../lib/scheduler/dispatcher") as typeof import("../../lib/scheduler/dispatcher")
      dispatcher.startDispatcherWithApplication()
    },
    // The dispatcher stops claiming and finishes the runs it holds while the database is still there.
    onApplicationPrepareShutdown: async () => {
      await this.stopBackgroundWork()
    },
    onApplicationShutdown: async () => {
      await this.stopBackgroundWork()
      await Promise.all([this.channels_.email.close(), this.channels_.sms.close()])
    },
  }

  private readonly backgroundWork = new Set<() => Promise<void>>()
  /** Rendered messages waiting for their decision and row: one transaction for all claimed meanwhile. */
  private readonly sendClaims = new GroupCommit<SendToClaim, ClaimedSend>((sends) => this.claimSends(sends))
  /** Sends the provider accepted: their results and timeline entries stored together. */
  private readonly sentRecords = new GroupCommit<SentRecord, void>((records) => this.writeSentRecords(records))
  /** Runs parked or ended by the dispatcher: moved together. */
  private readonly runMoves = new GroupCommit<runs.RunMove, boolean>((moves) => this.moveRuns(moves))
  /** Store events from the subscriber: stored together (see enqueueStoreEvent). */
  private readonly inboxWrites = new GroupCommit<inbox.InboxEvent, void>(async (events) => {
    await this.enqueueStoreEvents(events)
    return events.map(() => undefined)
  })

  private async stopBackgroundWork() {
    const stops = [...this.backgroundWork]
    this.backgroundWork.clear()
    await Promise.all(stops.map((stop) => stop()))
  }

  protected readonly logger_: Pick<Logger, "warn">

  constructor(container: Record<string, unknown>, options: Record<string, unknown>) {
    super(container, options)
    this.logger_ = loggerOf(container)
    this.options_ = parsePluginOptions(options)
    this.channels_ = createChannels(this.options_, (messageId, outcome) => this.recordQueuedOutcome(messageId, outcome))
  }

  // Not an entry point: the public methods take the shared context (decorated) and pass it here.
  // eslint-disable-next-line @medusajs/medusa-context-on-context-param, @medusajs/use-inject-manager-on-public-methods
  protected context(sharedContext: Context): ModuleContext {
    return { db: Database.of(sharedContext), options: this.options_, channels: this.channels_, service: this, shared: sharedContext }
  }

  /** The validated plugin options. Medusa's injected database settings are not part of them. */
  // Synchronous on purpose: routes, jobs and steps in the same process read options inline.
  // eslint-disable-next-line @medusajs/service-methods-must-be-async
  getOptions(): PluginOptions {
    return this.options_
  }

  /** Work this process runs in the background (the dispatcher), stopped by `stop` when Medusa shuts down. */
  // eslint-disable-next-line @medusajs/service-methods-must-be-async
  onShutdown(stop: () => Promise<void>): void {
    this.backgroundWork.add(stop)
  }

  /** What the settings page shows; never a key, token, secret or connection string. */
  // eslint-disable-next-line @medusajs/service-methods-must-be-async
  settings() {
    return reporting.settings(this.options_)
  }

  /** The brand (logo, colours, font) and postal address: the settings page's values over the options. */
  @InjectManager()
  async brandSettings(@MedusaContext() sharedContext: Context = {}) {
    return await brand.brandSettings(this.context(sharedContext))
  }

  @InjectManager()
  @InjectTransactionManager()
  async saveBrandSettings(input: BrandSettings, @MedusaContext() sharedContext: Context = {}) {
    return await brand.saveBrandSettings(this.context(sharedContext), input)
  }

  /** `store.address` and `brand`, as every template sees them. */
  @InjectManager()
  async brandForTemplates(@MedusaContext() sharedContext: Context = {}) {
    return await brand.brandForTemplates(this.context(sharedContext))
  }

  /**
   * Commercial email must carry the sender's postal address (CAN-SPAM). With SendGrid live and no
   * address in the options or the settings page, every start says so.
   */
  @InjectManager()
  async warnIfEmailHasNoAddress(@MedusaContext() sharedContext: Context = {}) {
    if (!this.options_.sendgrid) {
      return false
    }
    const { effective } = await brand.brandSettings(this.context(sharedContext))
    if (effective.address) {
      return false
    }
    this.logger_.warn(`[flows] ${brand.MISSING_ADDRESS_WARNING}`)
    return true
  }

  @InjectManager()
  @InjectTransactionManager()
  async createFlowWithDefinition(input: FlowInput & { status?: FlowStatus }, @MedusaContext() sharedContext: Context = {}) {
    return await authoring.createFlowWithDefinition(this.context(sharedContext), input)
  }

  /**
   * Creates the built-in flows that this database has never had, as drafts. A flow the owner deleted
   * is not brought back; a lock keeps two processes starting together from both creating one.
   */
  @InjectManager()
  @InjectTransactionManager()
  async seedBuiltInFlows(@MedusaContext() sharedContext: Context = {}) {
    return await authoring.seedBuiltInFlows(this.context(sharedContext))
  }

  /**
   * Saves edits. A changed definition becomes a new version; runs already in the flow stay on
   * the version they entered with, so an edit never moves them to a step that may not exist.
   */
  @InjectManager()
  @InjectTransactionManager()
  async editFlow(id: string, input: Partial<FlowInput>, @MedusaContext() sharedContext: Context = {}) {
    return await authoring.editFlow(this.context(sharedContext), id, input)
  }

  /** Promotes a split's variant as a new version; see actions/authoring `promoteSplitWinner`. */
  @InjectManager()
  @InjectTransactionManager()
  async promoteSplitWinner(input: PromotionInput, now: Date = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await authoring.promoteSplitWinner(this.context(sharedContext), input, now)
  }

  /** A flow's A/B splits (probability to be best) and holdout comparison over a period. */
  @InjectManager()
  async flowExperiments(range: ExperimentRange, @MedusaContext() sharedContext: Context = {}) {
    return await experiments.flowExperiments(this.context(sharedContext), range)
  }

  /** The splits whose winner automatic promotion would promote now. */
  @InjectManager()
  async promotionsDue(now: Date = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await experiments.promotionsDue(this.context(sharedContext), now)
  }

  @InjectManager()
  @InjectTransactionManager()
  async setFlowStatus(id: string, status: FlowStatus, @MedusaContext() sharedContext: Context = {}) {
    return await authoring.setFlowStatus(this.context(sharedContext), id, status)
  }

  /** Deletes a flow and ends its runs; its messages stay in the log. */
  @InjectManager()
  @InjectTransactionManager()
  async removeFlow(id: string, @MedusaContext() sharedContext: Context = {}) {
    return await authoring.removeFlow(this.context(sharedContext), id)
  }

  /**
   * Records a store event: the contact and its timeline, the runs it ends and the runs it starts.
   * Safe to call twice with the same event. Events recorded together share one `batch`.
   */
  @InjectManager()
  async recordEvent(input: StoreEvent, @MedusaContext() sharedContext: Context = {}, batch?: entry.EntryBatch) {
    return await entry.recordEvent(this.context(sharedContext), input, batch)
  }

  /**
   * Keeps a store event for the scheduler to record: the subscriber's one write on the request path. Events
   * that arrive while one INSERT runs go together in the next, so a busy checkout costs fewer transactions and
   * pool connections; the promise still settles only once its event is stored.
   */
  async enqueueStoreEvent(event: inbox.InboxEvent): Promise<void> {
    await this.inboxWrites.push(event)
  }

  /** Keeps store events in one INSERT, in the order given. */
  @InjectManager()
  async enqueueStoreEvents(events: inbox.InboxEvent[], @MedusaContext() sharedContext: Context = {}) {
    await inbox.insertInboxEvents(this.context(sharedContext).db, events)
  }

  /** Reserves waiting store events for this worker, each subject's in the order they arrived. */
  @InjectManager()
  async claimStoreEvents(limit: number, leaseMs: number, now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await inbox.claimInboxEvents(this.context(sharedContext).db, { limit, leaseMs, now })
  }

  /**
   * Settles claimed store events: `recorded` are deleted, `failed` keep their error and come back at their
   * `retryAt`, `untried` are released. Each only while the claim that ends at `claimedUntil` holds.
   */
  @InjectManager()
  async settleStoreEvents(
    claimedUntil: Date,
    settled: { recorded: string[]; failed: { ids: string[]; error: string; retryAt: Date }[]; untried: string[] },
    now = new Date(),
    @MedusaContext() sharedContext: Context = {}
  ) {
    const { db } = this.context(sharedContext)
    await inbox.deleteInboxEvents(db, settled.recorded, claimedUntil)
    for (const failure of settled.failed) {
      await inbox.failInboxEvents(db, failure.ids, claimedUntil, failure.error, failure.retryAt, now)
    }
    await inbox.releaseInboxEvents(db, settled.untried, claimedUntil, now)
  }

  /**
   * Records when each person last ordered, for win-back; a later time never moves back. Returns how many
   * people it recorded. Used to import the orders placed before the plugin was installed.
   */
  @InjectManager()
  async noteLastOrders(
    people: { email: string | null; customer_id: string | null; at: Date }[],
    now = new Date(),
    @MedusaContext() sharedContext: Context = {}
  ) {
    return await entry.noteLastOrders(this.context(sharedContext), people, now)
  }

  /**
   * Win-back: for each active `customer.inactive` flow, records the event for the people whose last
   * order crossed the flow's `inactive_for` mark within the past week (a week, so a few days of
   * downtime lose nobody). It reads an index over last-order times, so its cost follows the people
   * who qualify, not the number of orders. Reentry rules keep anyone from entering twice.
   */
  @InjectManager()
  async startWinBackRuns(now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await entry.startWinBackRuns(this.context(sharedContext), now)
  }

  /** Whether a store event or a run is waiting to be claimed: one read, so an idle poll costs little. */
  @InjectManager()
  async anythingDue(now: Date = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await runs.anythingDue(this.context(sharedContext), now)
  }

  /** Reserves up to `limit` due runs (at most `scheduler.batchSize`) for this worker. */
  @InjectManager()
  async claimDueRuns(now: Date = new Date(), limit = Infinity, @MedusaContext() sharedContext: Context = {}) {
    return await runs.claimDueRuns(this.context(sharedContext), now, limit)
  }

  /** Extends the lease of the runs a worker still holds, each under the claim token it was claimed with. */
  @InjectManager()
  async renewClaims(held: Pick<RunRow, "id" | "claim_token">[], now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await runs.renewClaims(this.context(sharedContext), held, now)
  }

  /** Moves a run to its next step, due at `park.next_run_at`; false when this worker no longer holds it. */
  @InjectManager()
  async parkRun(run: RunRow, park: Omit<Park, "now">, now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await this.moveRun({ run, park: { ...park, now } }, this.context(sharedContext))
  }

  /** Ends a run; false when this worker no longer holds it. */
  @InjectManager()
  async finishRun(run: RunRow, end: Omit<End, "now">, now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await this.moveRun({ run, end: { ...end, now } }, this.context(sharedContext))
  }

  /** Alone inside a caller's transaction; otherwise together with the runs this process moves meanwhile. */
  private async moveRun(move: runs.RunMove, ctx: ModuleContext) {
    if (ctx.shared.transactionManager) {
      return (await runs.moveRuns(ctx, [move]))[0]
    }
    return await this.runMoves.push(move)
  }

  /** Parks and ends a group of runs in one transaction (actions/runs.ts). */
  @InjectManager()
  async moveRuns(moves: runs.RunMove[], @MedusaContext() sharedContext: Context = {}) {
    return await runs.moveRuns(this.context(sharedContext), moves)
  }

  /** A run whose step threw: tried again after the backoff, or failed once its attempts are used up. */
  @InjectManager()
  async failRun(run: RunRow, error: string, now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await runs.failRun(this.context(sharedContext), run, error, now)
  }

  /** What the engine needs to know about the person behind each run (engagement, timezone, name), by run id. */
  @InjectManager()
  async personFactsOfRuns(runList: RunRow[], now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await runs.personFactsOfRuns(this.context(sharedContext), runList, now)
  }

  /** The definitions of flow versions, by id, each read once per process: a version never changes. */
  @InjectManager()
  async flowDefinitions(versionIds: string[], @MedusaContext() sharedContext: Context = {}) {
    return await definitionsOf(this.context(sharedContext).db, versionIds)
  }

  /** The person facts of one run. */
  @InjectManager()
  async personFacts(run: RunRow, now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return (await runs.personFactsOfRuns(this.context(sharedContext), [run], now)).get(run.id)!
  }

  /**
   * Engagement levels (new, engaged, lapsing, unengaged) of up to 500 contacts, counted in one statement,
   * with the counts behind each. See docs/engagement.md.
   */
  @InjectManager()
  async engagementOf(contactIds: string[], now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await engagement.engagementOf(this.context(sharedContext), contactIds, now)
  }

  /** The channel a preferred-channel step of this run uses now, and why. */
  @InjectManager()
  async preferredChannelFor(run: RunRow, stepId: string, now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await preferredChannelFor(this.context(sharedContext), run, stepId, now)
  }

  /** Sets the channel a contact says they prefer (null clears it); false when there is no such contact. */
  @InjectManager()
  @InjectTransactionManager()
  async setPreferredChannel(
    contactId: string,
    channel: ChannelName | null,
    now = new Date(),
    @MedusaContext() sharedContext: Context = {}
  ): Promise<boolean> {
    return await engagement.setPreferredChannel(this.context(sharedContext), contactId, channel, now)
  }

  /**
   * Sends one step's message at most once, if the send policy lets it go now; `content` as a function
   * is rendered only then. See actions/delivery.ts.
   */
  @InjectManager()
  async deliverStepMessage(
    run: RunRow,
    step: DeliveryStep,
    content: StepContent | (() => Promise<StepContent>),
    now = new Date(),
    @MedusaContext() sharedContext: Context = {}
  ) {
    return await delivery.deliverStepMessage(this.context(sharedContext), run, step, content, now)
  }

  /** Decides and stores one rendered message together with the others claimed meanwhile (actions/claim-sends.ts). */
  async claimSendInGroup(send: SendToClaim): Promise<ClaimedSend> {
    return await this.sendClaims.push(send)
  }

  /** Decides and stores a group of rendered messages in one transaction (actions/claim-sends.ts). */
  @InjectManager()
  async claimSends(sends: SendToClaim[], @MedusaContext() sharedContext: Context = {}) {
    return await claimSends(this.context(sharedContext), sends)
  }

  /** Stores a send's result together with the others recorded meanwhile (actions/record-sent.ts). */
  async recordSentInGroup(record: SentRecord): Promise<void> {
    await this.sentRecords.push(record)
  }

  /** Stores a group of sends' results and timeline entries in one transaction (actions/record-sent.ts). */
  @InjectManager()
  async writeSentRecords(records: SentRecord[], @MedusaContext() sharedContext: Context = {}) {
    return await writeSentRecords(this.context(sharedContext), records)
  }

  /**
   * When each active run's next message will really go, after quiet hours, caps and priority, by the
   * scheduler's own decision; null for a run whose next message the definition cannot foresee.
   */
  @InjectManager()
  async predictNextSends(runs: RunRow[], now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    const ctx = this.context(sharedContext)
    const predictions: Record<string, Awaited<ReturnType<typeof delivery.predictNextSend>>> = {}
    for (const run of runs) {
      predictions[run.id] = await delivery.predictNextSend(ctx, run, now)
    }
    return predictions
  }

  /**
   * A send that went through the Redis queue finished. Its caller records it too, unless it stopped
   * waiting: then the message is `uncertain`, and this settles it, sent with its provider id or refused.
   */
  @InjectManager()
  async recordQueuedOutcome(messageId: string, outcome: QueuedOutcome, now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await delivery.recordQueuedOutcome(this.context(sharedContext), messageId, outcome, now)
  }

  /**
   * Sends one step's content to an address the owner gives, to see it as recipients will. It is
   * logged like any message, marked as a test, and skips consent, quiet hours and the cap.
   */
  @InjectManager()
  async sendTestMessage(
    flowId: string,
    step: { id: string; channel: ChannelName },
    to: string,
    rendered: RenderedMessage,
    now = new Date(),
    @MedusaContext() sharedContext: Context = {}
  ) {
    return await delivery.sendTestMessage(this.context(sharedContext), flowId, step, to, rendered, now)
  }

  /**
   * Sends a failed or uncertain flow message again, once: the status moves to sending in one conditional
   * update, so a double click or two admins cannot send it twice. Consent is checked again. An uncertain
   * message may already have reached the person, so it is only sent again when `confirmDuplicateRisk` says so.
   */
  @InjectManager()
  async retryMessage(
    id: string,
    options: { confirmDuplicateRisk?: boolean } = {},
    now = new Date(),
    @MedusaContext() sharedContext: Context = {}
  ) {
    return await delivery.retryMessage(this.context(sharedContext), id, options, now)
  }

  /**
   * The short recovery link for a text about `cartId`. `carriedBy` is the idempotency key of the message
   * that will carry it (null for previews and test sends), so a tap counts as that message's click.
   * Null if the link's code is taken by another link (the signed link serves then).
   */
  @InjectManager()
  async shortRecoveryLink(cartId: string, carriedBy: string | null, now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await links.shortRecoveryLink(this.context(sharedContext), cartId, carriedBy, now)
  }

  /**
   * The links a message carries. A text's recovery link is the short one (a signed link alone would take
   * two segments); `carriedBy` is the message's idempotency key, null for previews and test sends.
   */
  @InjectManager()
  async messageLinks(
    ids: { cart_id?: string | null; contact_id?: string | null; flow_id?: string | null },
    channel: ChannelName,
    carriedBy: string | null,
    now = new Date(),
    @MedusaContext() sharedContext: Context = {}
  ) {
    return await links.messageLinks(this.context(sharedContext), ids, channel, carriedBy, now)
  }

  /** Where a short link leads; a tap by a person (not a link-preview bot) counts as a click. */
  @InjectManager()
  async openShortLink(code: string, countClick: boolean, now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await links.openShortLink(this.context(sharedContext), code, countClick, now)
  }

  /** The SMS consent of a number (E.164), or null when it never asked or answered. */
  @InjectManager()
  async smsConsentOf(phone: string | null, @MedusaContext() sharedContext: Context = {}) {
    return await consent.smsConsentOf(this.context(sharedContext), phone)
  }

  /**
   * Counts a storefront sign-up against the limit per minute, for the client's IP, the email and the
   * phone number each; true when any of them is over it.
   */
  @InjectManager()
  async consentRateLimited(
    input: { email?: string; phone?: string; country_code?: string },
    ip: string | null,
    now = new Date(),
    @MedusaContext() sharedContext: Context = {}
  ) {
    return await consent.consentRateLimited(this.context(sharedContext), input, ip, now)
  }

  /**
   * Records consent given on the storefront, with its evidence: the exact text shown, the source, the
   * time, the IP and the user agent. The form is anonymous, so it only adds to what we know: it never
   * changes an existing contact's phone, name or time zone, never grants SMS to a number that has not
   * confirmed with YES (with double opt-in), and never re-subscribes an unsubscribed address or a number
   * that replied STOP: the address confirms by email, the number by texting START.
   */
  @InjectManager()
  async captureConsent(input: ConsentInput, client: ConsentClient, now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await consent.captureConsent(this.context(sharedContext), input, client, now)
  }

  /**
   * The address confirmed from the email sent by `sendEmailConfirmation`: email consent again, from every
   * flow, with the confirmation as evidence. The link names the address, so a contact whose address
   * changed since is not subscribed by it.
   */
  @InjectManager()
  async confirmEmailSubscription(
    contactId: string,
    email: string,
    client: ConsentClient,
    now = new Date(),
    @MedusaContext() sharedContext: Context = {}
  ) {
    return await consent.confirmEmailSubscription(this.context(sharedContext), contactId, email, client, now)
  }

  /** From an unsubscribe link: all marketing email, or only one flow's. */
  @InjectManager()
  async unsubscribeEmail(contactId: string, flowId: string | null, now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await consent.unsubscribeEmail(this.context(sharedContext), contactId, flowId, now)
  }

  /** From the preference page (reached from a link sent to the address) or a confirmation email: email again, from every flow. */
  @InjectManager()
  async resubscribeEmail(
    contactId: string,
    now = new Date(),
    source: "link" | "email_confirmation" = "link",
    @MedusaContext() sharedContext: Context = {}
  ) {
    return await consent.resubscribeEmail(this.context(sharedContext), contactId, now, source)
  }

  /** Runs in progress, recent sends, opens, clicks and credited orders per flow, for the admin's flow list. */
  @InjectManager()
  async flowStats(since: Date, @MedusaContext() sharedContext: Context = {}) {
    return await reporting.flowStats(this.context(sharedContext), since)
  }

  /**
   * Sent, delivered, opened, clicked, not delivered, converted, revenue and unsubscribes over a period:
   * in all, per flow, per step, per day, and for each A/B split of the flows in it, variant by variant.
   */
  @InjectManager()
  async analytics(range: AnalyticsRange, @MedusaContext() sharedContext: Context = {}) {
    return await reporting.analytics(this.context(sharedContext), range)
  }

  /** Builds the daily analytics rollup of up to `limit` days changed since; returns how many it built. */
  @InjectManager()
  async foldRollups(limit = 31, now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await reporting.foldRollups(this.context(sharedContext), limit, now)
  }

  /**
   * Takes a refund or a cancellation off an attributed order's revenue, in its currency, once per
   * `dedupe_key` (a redelivered event changes nothing). Null when the order was not credited to a flow.
   */
  @InjectManager()
  async adjustAttributedRevenue(input: RevenueAdjustmentInput, @MedusaContext() sharedContext: Context = {}) {
    return await adjustConversion(Database.of(sharedContext), input)
  }

  /** Per step of one flow, for its canvas: runs waiting there, and the last 30 days' sends and orders. */
  @InjectManager()
  async stepCounts(flowId: string, now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await reporting.stepCounts(this.context(sharedContext), flowId, now)
  }

  /** The flow message an order is credited to, and the messages of the runs about this order. */
  @InjectManager()
  async orderActivity(orderId: string, @MedusaContext() sharedContext: Context = {}) {
    return await reporting.orderActivity(this.context(sharedContext), orderId)
  }

  /** Asks the channel's provider whether its credentials work; sends nothing. */
  @InjectManager()
  async checkCredentials(channel: ChannelName, @MedusaContext() sharedContext: Context = {}) {
    return await reporting.checkCredentials(this.context(sharedContext), channel)
  }

  /** SendGrid's Event Webhook: status, timeline and suppression; each event counts once. */
  @InjectManager()
  async recordSendGridEvents(events: SendGridEvent[], now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await applySendGridEvents(Database.of(sharedContext), events, now)
  }

  @InjectManager()
  async recordTwilioStatus(params: Record<string, string>, now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    await applyTwilioStatus(Database.of(sharedContext), params, now)
  }

  /**
   * Handles STOP, START and HELP texts; returns the keyword found, if any. A START (or the YES of double
   * opt-in) is the number's own confirmed opt-in: it takes the number off the suppression list.
   */
  @InjectManager()
  async recordInboundSms(params: Record<string, string>, now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    const keyword = await applyInboundSms(Database.of(sharedContext), params, now)
    if (keyword === "start" && params.From) {
      await privacy.liftSuppressionOf(this.context(sharedContext), "sms", e164OrRaw(params.From))
    }
    return keyword
  }

  /**
   * Everything the plugin holds about one person (found by customer id, email or phone), as JSON; null
   * when nothing is known about them. See actions/privacy.ts.
   */
  @InjectManager()
  async exportPerson(key: PersonKey, now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await privacy.exportPerson(this.context(sharedContext), key, now)
  }

  /**
   * Erases one person's marketing data in one transaction, keeps analytics totals without them, puts
   * their addresses and numbers on the (hashed) suppression list and returns the audit record, which
   * holds no personal data. Null when nothing is known about them.
   */
  @InjectManager()
  @InjectTransactionManager()
  async erasePerson(key: PersonKey, actorId: string | null, now = new Date(), @MedusaContext() sharedContext: Context = {}) {
    return await privacy.erasePerson(this.context(sharedContext), key, actorId, now)
  }

  /** Whether an address (email) or E.164 number (sms) is on the suppression list. */
  @InjectManager()
  async isSuppressed(channel: ChannelName, value: string, @MedusaContext() sharedContext: Context = {}) {
    return await privacy.isSuppressed(this.context(sharedContext), channel, value)
  }
}

export default FlowsModuleService
