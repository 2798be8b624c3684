import { compile } from "html-to-text"
import { Liquid, type Template } from "liquidjs"
import { LIQUID_LIMITS, MAX_EMAIL_HTML_CHARS, MAX_EMAIL_TEXT_CHARS, MAX_SMS_BODY_CHARS, MemoryChargedCaptureTag } from "./template-limits"
import type { EmailBlock } from "./email-blocks"
import type { TemplateVariables } from "./template-variables"

const SHARED = { strictFilters: true, strictVariables: false, ownPropertyOnly: true, templates: {}, ...LIQUID_LIMITS }

/** HTML output: every `{{ }}` is escaped unless the template says `| raw`. */
const htmlEngine = new Liquid({ ...SHARED, outputEscape: "escape" })
/** Subjects, text parts and SMS are not HTML: escaping would show "&amp;" to the reader. */
const plainEngine = new Liquid(SHARED)
for (const engine of [htmlEngine, plainEngine]) {
  engine.registerTag("capture", MemoryChargedCaptureTag)
}

export type TemplateIssue = { message: string; line: number; column: number }
export type FieldIssue = TemplateIssue & { field: string }

/** With `blocks`, `html` is what they compile to (on the server, through MJML); see `email-blocks.ts`. */
export type EmailTemplate = { subject: string; preheader?: string; html?: string; blocks?: EmailBlock[]; text?: string }
/** An email ready to render: its blocks, if any, already compiled to `html`. */
export type CompiledEmailTemplate = EmailTemplate & { html: string }
export type SmsTemplate = { body: string }
export type RenderedEmail = { subject: string; preheader: string | null; html: string; text: string }

export class TemplateRenderError extends Error {}

function positionOf(error: unknown): [number, number] {
  const token = (error as { token?: { getPosition?: () => [number, number] } }).token
  return token?.getPosition?.() ?? [1, 1]
}

/** Parses a template without rendering it; returns what is wrong with it, with line and column. */
export function validateTemplate(source: string): TemplateIssue[] {
  try {
    htmlEngine.parse(source)
    return []
  } catch (error) {
    const [line, column] = positionOf(error)
    const message = (error as Error).message.replace(/, line:\d+, col:\d+$/, "")
    return [{ message, line, column }]
  }
}

function validateFields(fields: Record<string, string | undefined>): FieldIssue[] {
  return Object.entries(fields).flatMap(([field, source]) =>
    source === undefined ? [] : validateTemplate(source).map((issue) => ({ field, ...issue }))
  )
}

/** The owner's text in the blocks: each field is Liquid, checked on its own so an issue names its block. */
function blockFields(blocks: EmailBlock[] | undefined): Record<string, string | undefined> {
  const fields: Record<string, string | undefined> = {}
  blocks?.forEach((block, index) => {
    for (const [key, value] of Object.entries(block)) {
      if (key !== "type" && typeof value === "string") {
        fields[`blocks.${index}.${key}`] = value
      }
    }
  })
  return fields
}

export function validateEmailTemplate(template: EmailTemplate): FieldIssue[] {
  return validateFields({
    subject: template.subject,
    preheader: template.preheader,
    // Compiled from the blocks: the blocks' own fields are what the owner wrote.
    ...(template.blocks ? blockFields(template.blocks) : { html: template.html }),
    text: template.text,
  })
}

export function validateSmsTemplate(template: SmsTemplate): FieldIssue[] {
  return validateFields({ body: template.body })
}

/** Parsed templates kept per engine: a worker renders the same few templates for thousands of messages. */
const PARSED_KEPT = 256
const parsedTemplates = new Map<Liquid, Map<string, Template[]>>()

function parsed(engine: Liquid, source: string): Template[] {
  let kept = parsedTemplates.get(engine)
  if (!kept) {
    kept = new Map()
    parsedTemplates.set(engine, kept)
  }
  let templates = kept.get(source)
  if (!templates) {
    templates = engine.parse(source)
    if (kept.size >= PARSED_KEPT) {
      // The oldest entry goes: a Map iterates in insertion order.
      kept.delete(kept.keys().next().value as string)
    }
    kept.set(source, templates)
  }
  return templates
}

function render(engine: Liquid, source: string, variables: TemplateVariables): string {
  try {
    // Synchronous: no filter or tag of ours waits on anything, and the async renderer makes a promise per node.
    return engine.renderSync(parsed(engine, source), variables)
  } catch (error) {
    throw new TemplateRenderError((error as Error).message)
  }
}

/** Refuses rendered output over its cap, before anything else has to work through it. */
function withinLimit(output: string, max: number, what: string): string {
  if (output.length > max) {
    const count = (n: number) => n.toLocaleString("en-US")
    throw new TemplateRenderError(`the rendered ${what} has ${count(output.length)} characters; at most ${count(max)} are allowed`)
  }
  return output
}

const PREHEADER = '<div style="display:none;max-height:0;overflow:hidden;mso-hide:all">{{ preheader }}</div>'

/** The preheader is the inbox preview line: first in the body, hidden when the message is open. */
function withPreheader(html: string, preheader: string): string {
  const hidden = htmlEngine.parseAndRenderSync(PREHEADER, { preheader })
  const body = /<body[^>]*>/i.exec(html)
  return body ? html.replace(body[0], `${body[0]}${hidden}`) : `${hidden}${html}`
}

/**
 * The text part made from the HTML when a template has none. Emails are laid out in tables, so each row
 * becomes its own paragraph with its cells apart ("Qty 2 $29.00"), not one run of words.
 */
const TEXT_FROM_HTML = {
  wordwrap: 78,
  selectors: [
    { selector: "img", format: "skip" },
    { selector: "tr", format: "block" },
    { selector: "td", format: "inlineSurround", options: { suffix: " " } },
  ],
}

/** Compiled once: compiling the converter costs more than converting a message. */
const htmlToText = compile(TEXT_FROM_HTML)

function textFromHtml(html: string): string {
  // The cell separator and the source's own whitespace between cells leave runs of spaces, and empty
  // layout rows leave runs of blank lines.
  return htmlToText(html)
    .replace(/[^\S\n]{2,}/g, " ")
    .replace(/^[^\S\n]+|[^\S\n]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim()
}

/** Text parts of the latest bodies, by the body with its personal tokens masked; the oldest goes first. */
const recentTexts = new Map<string, string>()
const RECENT_TEXTS = 16
/** Private-use characters: a masked token is one of them repeated, so it keeps its length and wraps as it would. */
const MASK_BASE = 0xe000
const MASKS = 256
const maskOf = (index: number, length: number) => String.fromCharCode(MASK_BASE + index).repeat(length)
/** A body that holds those characters itself, as they are or as character references, is not masked. */
const HOLDS_MASK = /[\ue000-\ue0ff]|&#x0*e0[0-9a-f]{2}(?![0-9a-f])|&#0*57(?:3[4-9]|[45]\d)\d(?!\d)/i

/**
 * `textFromHtml`, converted once for every body that differs from a recent one only in the tokens of the
 * recipient's own links (the first group of `personalLinks`): a newsletter to thousands converts its HTML
 * once. Only tokens that start an href are masked, which the text shows as they are; one in the visible
 * text may be changed there (a heading is uppercased), so it stays, and that body is converted for itself.
 */
function textFromHtmlOnce(html: string, personalLinks?: RegExp): string {
  const tokens: string[] = []
  const mask = (link: string, token: string, offset: number) => {
    if (!/^href=["']$/i.test(html.slice(offset - 6, offset))) {
      return link
    }
    let index = tokens.indexOf(token)
    if (index < 0) {
      index = tokens.push(token) - 1
    }
    return link.slice(0, link.length - token.length) + maskOf(index, token.length)
  }
  const masked = personalLinks && !HOLDS_MASK.test(html) ? html.replace(personalLinks, mask) : html
  if (tokens.length > MASKS) {
    return textFromHtml(html)
  }
  let text = recentTexts.get(masked)
  if (text === undefined) {
    text = textFromHtml(masked)
    recentTexts.set(masked, text)
    if (recentTexts.size > RECENT_TEXTS) {
      recentTexts.delete(recentTexts.keys().next().value!)
    }
  }
  return tokens.reduce((unmasked, token, i) => unmasked.split(maskOf(i, token.length)).join(token), text)
}

/**
 * Renders an email. `personalLinks` finds the recipient's own links (their token in its first group), so
 * emails that differ only there share the work of making the text part.
 */
export async function renderEmail(
  template: CompiledEmailTemplate,
  variables: TemplateVariables,
  personalLinks?: RegExp
): Promise<RenderedEmail> {
  const subject = render(plainEngine, template.subject, variables).trim()
  const preheader = template.preheader ? render(plainEngine, template.preheader, variables).trim() : null
  const body = withinLimit(render(htmlEngine, template.html, variables), MAX_EMAIL_HTML_CHARS, "HTML")
  const html = withinLimit(preheader ? withPreheader(body, preheader) : body, MAX_EMAIL_HTML_CHARS, "HTML")
  const text = template.text
    ? withinLimit(render(plainEngine, template.text, variables), MAX_EMAIL_TEXT_CHARS, "text part")
    : textFromHtmlOnce(body, personalLinks)
  return { subject, preheader, html, text }
}

/** Renders a page or fragment of our own HTML, escaping every value it inserts. */
export function renderHtml(source: string, values: Record<string, unknown>): string {
  return htmlEngine.parseAndRenderSync(source, values)
}

export async function renderSms(template: SmsTemplate, variables: TemplateVariables): Promise<{ body: string }> {
  return { body: withinLimit(render(plainEngine, template.body, variables).trim(), MAX_SMS_BODY_CHARS, "text message") }
}
