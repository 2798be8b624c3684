/** An email's content as it goes into a SendGrid request, shared by every personalization in it. */
export type MailContent = { subject: string; html: string; text: string }

/** SendGrid v3 `substitutions`: each tag is replaced by its value in the subject and content, per personalization. */
export type Substitutions = Record<string, string>

/** Tags look like `{flows_link_0}`. Content or links that already hold this text are sent as they are. */
const TAG_MARK = "flows_link_"
/** SendGrid's limit on one personalization's substitutions, tags and values together. */
const MAX_SUBSTITUTION_BYTES = 10_000

const sizeOf = (substitutions: Substitutions) =>
  Object.entries(substitutions).reduce((bytes, [tag, value]) => bytes + Buffer.byteLength(tag) + Buffer.byteLength(value), 0)

/**
 * Replaces the personal part of each of the recipient's own links (the first group of what `pattern`
 * finds) with a tag that is the same for every recipient of the same template, and returns those parts
 * as the substitutions SendGrid puts back. So messages that differ only in those links share one body,
 * and each recipient still gets exactly the content rendered for them. The link's start stays in the
 * body: SendGrid's click tracking only rewrites an href that begins with "http". Tags are numbered in
 * order of appearance and never contain one another.
 */
export function tagPersonalLinks(content: MailContent, pattern: RegExp): { content: MailContent; substitutions: Substitutions } {
  const untouched = { content, substitutions: {} }
  if (Object.values(content).some((part) => part.includes(TAG_MARK))) {
    return untouched
  }
  const tags = new Map<string, string>()
  const tag = (link: string, personal: string) => {
    if (!tags.has(personal)) {
      tags.set(personal, `{${TAG_MARK}${tags.size}}`)
    }
    return link.slice(0, link.length - personal.length) + tags.get(personal)
  }
  const tagged = {
    subject: content.subject.replace(pattern, tag),
    html: content.html.replace(pattern, tag),
    text: content.text.replace(pattern, tag),
  }
  const substitutions = Object.fromEntries([...tags].map(([personal, t]) => [t, personal]))
  // A value holding a tag's text could be replaced again by SendGrid, and an oversized set is refused.
  const safe = ![...tags.keys()].some((personal) => personal.includes(TAG_MARK)) && sizeOf(substitutions) <= MAX_SUBSTITUTION_BYTES
  return safe ? { content: tagged, substitutions } : untouched
}
