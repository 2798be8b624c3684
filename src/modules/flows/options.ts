import { z } from "@medusajs/framework/zod"
import { DURATION_UNITS, EMAIL_CONSENT_MODES, UNENGAGED_POLICIES } from "../../engine/constants"
import { TIME_OF_DAY } from "../../engine/definition"
import { BRAND_FONTS, type BrandFont } from "../../engine/constants"
import { DEFAULT_BRAND, HEX_COLOR, type Brand } from "../../engine/email-blocks"
import { durationToMs } from "../../engine/durations"
import { validateTemplate } from "../../engine/templates"

const duration = z.object({
  amount: z.number().positive(),
  unit: z.enum(DURATION_UNITS),
})

const timeOfDay = z.string().regex(TIME_OF_DAY, "expected HH:MM (24-hour)")

export const DEFAULT_ENGAGEMENT = {
  lapsingAfter: { amount: 30, unit: "days" as const },
  unengagedAfter: { period: { amount: 90, unit: "days" as const }, messages: 5 },
  unengaged: { send: "marked_flows" as const, capFactor: 3 },
}

/**
 * Engagement levels (docs/engagement.md) and what unengaged contacts get. Engagement is a human open, a
 * click, an order or cart activity; machine opens (Apple Mail Privacy Protection) never count.
 */
const engagementOptions = z
  .object({
    /** Engaged longer ago than this: lapsing. */
    lapsingAfter: duration.default(DEFAULT_ENGAGEMENT.lapsingAfter),
    /**
     * Unengaged after `period` without engagement (activity is counted within this period) or after
     * `messages` flow messages since the last engagement (null: the period alone decides).
     */
    unengagedAfter: z
      .object({ period: duration, messages: z.number().int().positive().max(1000).nullable() })
      .strict()
      .default(DEFAULT_ENGAGEMENT.unengagedAfter),
    /**
     * marked_flows: unengaged contacts get only flows marked `send_to_unengaged`; stretched_cap: every
     * flow, under the frequency cap with its window `capFactor` times as long; all: no difference.
     */
    unengaged: z
      .object({ send: z.enum(UNENGAGED_POLICIES), capFactor: z.number().min(1).max(100).default(3) })
      .strict()
      .default(DEFAULT_ENGAGEMENT.unengaged),
  })
  .strict()
  .refine((e) => durationToMs(e.lapsingAfter) < durationToMs(e.unengagedAfter.period), {
    message: "engagement.lapsingAfter must be shorter than engagement.unengagedAfter.period",
    path: ["lapsingAfter"],
  })
  .refine((e) => durationToMs(e.unengagedAfter.period) <= 730 * 86_400_000, {
    message: "engagement.unengagedAfter.period can be at most 730 days",
    path: ["unengagedAfter", "period"],
  })

/** A base URL, without the trailing slash, so every link built on it is `${base}/path`. */
const baseUrl = z
  .string()
  .url()
  .transform((url) => url.replace(/\/$/, ""))

export const DEFAULT_MAX_SEGMENTS = 4

/** Smart sending's defaults: an email at most every 16 hours, a text every 24, across marketing flows. */
export const DEFAULT_CHANNEL_CAPS = {
  email: { max: 1, per: { amount: 16, unit: "hours" as const } },
  sms: { max: 1, per: { amount: 24, unit: "hours" as const } },
}
export const DEFAULT_OVERLAP_WINDOW = { amount: 2, unit: "hours" as const }

const channelCap = z.object({ max: z.number().int().positive().max(1000), per: duration }).strict()

export const DEFAULT_SMS_CONFIRMATION =
  "{{ store.name }}: reply YES to get texts from us. Msg & data rates may apply. Reply STOP to opt out."

const sendgridOptions = z
  .object({
    apiKey: z.string().min(1),
    from: z.object({ email: z.string().email(), name: z.string().optional() }),
    replyTo: z.string().email().optional(),
    unsubscribeGroupId: z.number().int().positive().optional(),
    dataResidency: z.enum(["global", "eu"]).default("global"),
    /** For a proxy; the tests point it at a local fake. Overrides dataResidency's host. */
    apiBaseUrl: baseUrl.optional(),
    /** The Event Webhook's verification key (base64), from SendGrid's Mail Settings. */
    webhookVerificationKey: z.string().min(1).optional(),
    /** Signed webhook requests older than this are refused as replays. */
    webhookMaxAgeSeconds: z.number().int().positive().default(600),
    /**
     * The longest an email waits for others of its step with the same content, to share one request
     * (up to 1000 recipients; a full batch goes at once). 0 sends each email at once, alone.
     */
    batchWindowMs: z.number().int().min(0).max(1000).default(50),
  })
  .strict()

const twilioOptions = z
  .object({
    accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, "expected an Account SID (AC + 32 hex characters)"),
    authToken: z.string().min(1),
    from: z.string().optional(),
    messagingServiceSid: z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/)
      .optional(),
    /** For a proxy; the tests point it at a local fake. */
    apiBaseUrl: baseUrl.optional(),
    /** Country for numbers written without +country code, e.g. "US". */
    defaultCountry: z.string().length(2).toUpperCase().optional(),
    /** A text longer than this many segments is not sent. */
    maxSegments: z.number().int().min(1).max(10).default(DEFAULT_MAX_SEGMENTS),
  })
  .strict()
  .refine((t) => Boolean(t.from) !== Boolean(t.messagingServiceSid), {
    message: "set exactly one of twilio.from or twilio.messagingServiceSid",
  })

export const pluginOptionsSchema = z
  .object({
    storefrontUrl: baseUrl,
    /** Public URL of the Medusa backend, used in unsubscribe and webhook links. */
    backendUrl: baseUrl.default("http://localhost:9000"),
    storeName: z.string().min(1).default("Our store"),
    /**
     * The sender's postal address, shown in every email's footer and as `{{ store.address }}`. Commercial
     * email must carry one (CAN-SPAM); the settings page can set or change it.
     */
    storeAddress: z.string().trim().min(1).max(500).optional(),
    /** The look of emails built from blocks; the settings page can change each of these. */
    brand: z
      .object({
        logoUrl: z.url({ protocol: /^https?$/ }).optional(),
        accentColor: z.string().regex(HEX_COLOR, "expected a colour as #rrggbb").optional(),
        backgroundColor: z.string().regex(HEX_COLOR, "expected a colour as #rrggbb").optional(),
        textColor: z.string().regex(HEX_COLOR, "expected a colour as #rrggbb").optional(),
        font: z.enum(Object.keys(BRAND_FONTS) as [BrandFont, ...BrandFont[]]).optional(),
      })
      .strict()
      .default({}),
    /**
     * Where a recovery link sends the shopper; {cart_id} is replaced. The storefront must adopt that
     * cart (set its cart cookie). Default: {storefrontUrl}/cart?cart_id={cart_id}.
     */
    recoveryUrl: z.string().includes("{cart_id}", { message: "must contain {cart_id}" }).optional(),
    /** Signs recovery and unsubscribe links. */
    secret: z.string().min(32, "must be at least 32 characters"),
    /**
     * Keys the hashes of the suppression list (erased addresses and numbers). Default: `secret`. When you
     * rotate `secret`, set this to the old value, or the erased addresses are no longer recognised.
     */
    suppressionSecret: z.string().min(32, "must be at least 32 characters").optional(),
    sendgrid: sendgridOptions.optional(),
    twilio: twilioOptions.optional(),
    defaults: z
      .object({
        timezone: z.string().default("UTC"),
        quietHours: z.object({ start: timeOfDay, end: timeOfDay }).default({ start: "21:00", end: "08:00" }),
        frequencyCap: z.object({ max: z.number().int().positive(), per: duration }).default({ max: 3, per: { amount: 1, unit: "days" } }),
        /**
         * Smart sending per channel, across flows: at most `max` messages of the channel within `per`. Null
         * turns a channel's cap off (the cross-flow frequencyCap still holds). Exempt steps are not counted.
         */
        channelCaps: z
          .object({
            email: channelCap.nullable().default(DEFAULT_CHANNEL_CAPS.email),
            sms: channelCap.nullable().default(DEFAULT_CHANNEL_CAPS.sms),
          })
          .strict()
          .default(DEFAULT_CHANNEL_CAPS),
        /**
         * Two flows' messages to one person on one channel closer than this compete: the higher-priority
         * flow's goes. Null: flows do not compete (the caps still hold).
         */
        overlapWindow: duration.nullable().default(DEFAULT_OVERLAP_WINDOW),
        attributionWindow: duration.default({ amount: 5, unit: "days" }),
        /**
         * opt_out: email goes to everyone who has not unsubscribed (soft opt-in, as for past buyers).
         * opt_in: only to people who gave email consent, as the GDPR asks of marketing in the EU.
         */
        emailConsent: z.enum(EMAIL_CONSENT_MODES).default("opt_out"),
        engagement: engagementOptions.default(DEFAULT_ENGAGEMENT),
      })
      .strict()
      .prefault({}),
    /**
     * The review page of a product, for `{{ item.review_url }}`: {product_handle} and {product_id} are
     * replaced. Default: {storefrontUrl}/products/{product_handle}#reviews.
     */
    reviewUrl: z.string().url().optional(),
    /** The codes steps with `discount: true` hand out: unique, single-use, expiring. */
    discount: z
      .object({
        percentage: z.number().positive().max(100).default(10),
        validDays: z.number().int().positive().default(7),
        prefix: z
          .string()
          .regex(/^[A-Z0-9]{1,12}$/, "use 1-12 capital letters or digits")
          .default("COMEBACK"),
      })
      .strict()
      .prefault({}),
    /**
     * Consent sign-ups accepted per minute for each client IP, each email and each phone number, against
     * scripted abuse of the storefront form.
     */
    consentRequestsPerMinute: z.number().int().positive().default(10),
    /**
     * How many proxies in front of Medusa append to X-Forwarded-For (a load balancer: 1). The client's IP
     * is read that many hops from the right; with 0 the header is ignored, so a client cannot pick its IP.
     */
    trustedProxyHops: z.number().int().min(0).max(10).default(0),
    /**
     * SMS consent from the storefront holds only once the person replies YES to a confirmation text, so
     * nobody can sign up someone else's number. Off: the form alone grants it.
     */
    smsDoubleOptIn: z.boolean().default(true),
    /** The confirmation text, in Liquid with `store.name`, `store.url` and `customer.first_name`. */
    smsConfirmationText: z
      .string()
      .min(1)
      .default(DEFAULT_SMS_CONFIRMATION)
      .superRefine((source, ctx) => {
        for (const issue of validateTemplate(source)) {
          ctx.addIssue({ code: "custom", message: `${issue.message} (line ${issue.line}, column ${issue.column})` })
        }
      }),
    /**
     * Redis, e.g. the one Medusa runs on. When set, provider rate limits hold across all processes
     * (BullMQ's limiter); without it each process keeps its own.
     */
    redisUrl: z.string().url().optional(),
    /** Most provider calls per second, per channel. */
    rateLimits: z.object({ email: z.number().positive().optional(), sms: z.number().positive().optional() }).strict().default({}),
    delivery: z
      .object({
        /** Provider calls per message before it is marked failed. */
        maxAttempts: z.number().int().min(1).max(20).default(5),
        /** First retry delay; each later one doubles, with jitter, up to maxDelayMs. */
        baseDelayMs: z.number().int().min(100).default(30_000),
        maxDelayMs: z.number().int().min(100).default(3_600_000),
        /** A provider call that takes longer is abandoned and retried. */
        timeoutMs: z.number().int().min(100).default(15_000),
      })
      .strict()
      .prefault({}),
    scheduler: z
      .object({
        /** How often an idle worker looks for due steps; a busy one claims again as soon as it has room. */
        pollIntervalMs: z.number().int().min(1000).default(5000),
        /** The most runs one claim takes. Claims stay small so that every worker gets a share. */
        batchSize: z.number().int().min(1).max(1000).default(50),
        /** Runs one worker process moves at once; identical emails among them share one SendGrid request. */
        concurrency: z.number().int().min(1).max(1000).default(100),
        /** How long a claimed run stays reserved for the worker that claimed it. */
        leaseMs: z.number().int().min(1000).default(60_000),
        /** Set to false on processes that must not send. Store events then wait in the inbox for a process that has it on. */
        enabled: z.boolean().default(true),
        /**
         * Compresses flow time for demos and tests: with 360, an hour of waiting lasts 10 seconds. Waits,
         * cooldowns, the frequency cap's window and win-back's inactivity all shrink; quiet hours and
         * times of day are ignored. Never set it on a live store.
         */
        timeScale: z.number().min(1).max(1_000_000).default(1),
        /**
         * In a process that also serves the store (Medusa's `shared` worker mode), the longest the scheduler
         * gives way to requests that keep the process busy: recording and sending wait for a gap, at most
         * this long. 0 never waits. Worker processes never wait.
         */
        yieldToRequestsMs: z.number().int().min(0).max(300_000).default(30_000),
      })
      .strict()
      .prefault({}),
  })
  .strict()

export type PluginOptions = z.infer<typeof pluginOptionsSchema>

/** The brand and address from the options, before the settings page's changes. */
export function brandOfOptions(options: Pick<PluginOptions, "brand" | "storeAddress">): Brand & { address: string | null } {
  return {
    logo_url: options.brand.logoUrl ?? DEFAULT_BRAND.logo_url,
    accent_color: options.brand.accentColor ?? DEFAULT_BRAND.accent_color,
    background_color: options.brand.backgroundColor ?? DEFAULT_BRAND.background_color,
    text_color: options.brand.textColor ?? DEFAULT_BRAND.text_color,
    font: options.brand.font ?? DEFAULT_BRAND.font,
    address: options.storeAddress ?? null,
  }
}

/** What templates see as `store`. */
export function storeOf(options: Pick<PluginOptions, "storeName" | "storefrontUrl">) {
  return { name: options.storeName, url: options.storefrontUrl }
}

/** The review page pattern for `{{ item.review_url }}`: the option, or the storefront's product page. */
export function reviewUrlPattern(options: Pick<PluginOptions, "reviewUrl" | "storefrontUrl">): string {
  return options.reviewUrl ?? `${options.storefrontUrl}/products/{product_handle}#reviews`
}

/** Where a recovery link takes the shopper: `recoveryUrl` with the cart id, or the storefront's cart page. */
export function recoveryTarget(options: Pick<PluginOptions, "recoveryUrl" | "storefrontUrl">, cartId: string): string {
  const target = options.recoveryUrl ?? `${options.storefrontUrl}/cart?cart_id={cart_id}`
  return target.replace("{cart_id}", encodeURIComponent(cartId))
}

export type PluginOptionsInput = z.input<typeof pluginOptionsSchema>

/** Keys Medusa adds to every module's options; they are not ours to validate or to echo. */
const INJECTED_KEYS = ["database", "providers"]

export class PluginOptionsError extends Error {}

export function parsePluginOptions(raw: Record<string, unknown> | undefined): PluginOptions {
  const own = Object.fromEntries(Object.entries(raw ?? {}).filter(([key]) => !INJECTED_KEYS.includes(key)))
  const result = pluginOptionsSchema.safeParse(own)
  if (result.success) {
    return result.data
  }
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.join(".") || "(options)"
    return `  - ${path}: ${issue.message}`
  })
  throw new PluginOptionsError(`medusa-plugin-flows: invalid plugin options in medusa-config:\n${problems.join("\n")}`)
}
