import { createHash } from "node:crypto"
import { TemplateRenderError, validateTemplate, type CompiledEmailTemplate, type EmailBlock, type EmailTemplate } from "../../../engine"
import { keepRecentlyUsed } from "../recently-used"
import { blocksToMjml, BRAND_PLACEHOLDERS, LiquidSlots } from "./blocks-to-mjml"

/**
 * Compiling MJML takes milliseconds to tens of milliseconds of CPU, so it happens when a flow is saved (the
 * saved version carries the HTML, see `savedEmail`) and, for what the editor shows, once per distinct set of
 * blocks: the preview, the test send and the saved version all go through `compileBlocks`, and a send
 * renders the saved HTML with Liquid only.
 */
const CACHE_SIZE = 200
const cache = new Map<string, Promise<string>>()

export class BlockCompileError extends TemplateRenderError {}

async function compile(blocks: EmailBlock[]): Promise<string> {
  const slots = new LiquidSlots()
  const source = blocksToMjml(blocks, slots)
  // Loaded on the first compile, not with the module: MJML holds about 15 MB of heap, which a process that
  // compiles nothing (a worker sending saved versions, a `server` process) would otherwise carry and
  // garbage-collect through.
  const { default: mjml2html } = await import("mjml")
  const result = await mjml2html(source, { validationLevel: "strict" })
  let html = slots.restore(result.html)
  for (const [placeholder, variable] of Object.entries(BRAND_PLACEHOLDERS)) {
    html = html.replace(new RegExp(placeholder, "gi"), variable)
  }
  // Each field parsed on its own, but a tag opened in one block and closed in another only shows here.
  const issue = validateTemplate(html)[0]
  if (issue) {
    throw new BlockCompileError(`the blocks do not form a valid template: ${issue.message}`)
  }
  return html
}

/** The HTML the blocks compile to, a Liquid template; compiled once per distinct blocks in this process. */
export function compileBlocks(blocks: EmailBlock[]): Promise<string> {
  const key = createHash("sha256").update(JSON.stringify(blocks)).digest("hex")
  const known = cache.get(key)
  if (known) {
    keepRecentlyUsed(cache, key, known, CACHE_SIZE)
    return known
  }
  const compiling = compile(blocks)
  keepRecentlyUsed(cache, key, compiling, CACHE_SIZE)
  // Only this compile's own entry: a newer one for the same blocks may have replaced it.
  compiling.catch(() => cache.get(key) === compiling && cache.delete(key))
  return compiling
}

/** The template ready to render: with blocks, its HTML is what they compile to, never what came with them. */
export async function compiledEmail(template: EmailTemplate): Promise<CompiledEmailTemplate> {
  if (template.blocks) {
    return { ...template, html: await compileBlocks(template.blocks) }
  }
  if (template.html === undefined) {
    throw new TemplateRenderError("an email needs html or blocks")
  }
  return { ...template, html: template.html }
}

/**
 * A saved version's email, ready to render. Saving compiled its blocks into its `html` (definitionToSave in
 * actions/authoring.ts), so a send renders that HTML with Liquid only and never loads MJML. Blocks are
 * compiled here only for a version saved without their HTML (a preferred-channel step saved before its
 * blocks were compiled on save).
 */
export async function savedEmail(template: EmailTemplate): Promise<CompiledEmailTemplate> {
  return template.html === undefined ? await compiledEmail(template) : { ...template, html: template.html }
}
