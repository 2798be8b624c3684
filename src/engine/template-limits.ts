import { CaptureTag, type Context } from "liquidjs"

// The most a rendered message may hold. Past these, a template is refused rather than sent, because
// the steps after rendering (the text part made from HTML, SMS segment counting) slow down with size.

/** Gmail clips a message after 102 KB; a few hundred KB leaves room for layouts and stays fast to convert. */
export const MAX_EMAIL_HTML_CHARS = 256_000
export const MAX_EMAIL_TEXT_CHARS = 100_000
/** Twilio refuses a longer body (about 10 segments). */
export const MAX_SMS_BODY_CHARS = 1_600

/** Parse, render-time and memory limits for admin-authored templates: a template cannot hang or exhaust a worker. */
export const LIQUID_LIMITS = { parseLimit: 100_000, renderLimit: 1_000, memoryLimit: 10_000_000 }

/**
 * `{% capture %}` as liquidjs has it, but what it captures counts toward the memory limit: liquidjs only
 * counts what filters allocate, so captures that double a variable could build gigabytes of text.
 */
export class MemoryChargedCaptureTag extends CaptureTag {
  *render(ctx: Context): Generator<unknown, void, string> {
    yield* super.render(ctx)
    ctx.memoryLimit.use(String(ctx.bottom()[this.variable as keyof object] ?? "").length)
  }
}
