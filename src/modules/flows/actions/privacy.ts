import { newId } from "../sql/ids"
import type { ChannelName } from "../../../engine/constants"
import { e164OrRaw } from "../channels/recipients"
import { normalizeEmail } from "../sql/contacts"
import type { Database, Row } from "../sql/database"
import { json } from "../sql/database"
import { UNSUBSCRIBE_EVENTS } from "../sql/message-statuses"
import { addSuppressions, liftSuppression, suppressedAmong } from "../sql/suppression"
import { suppressionHash, suppressionKey } from "../suppression"
import type { Identity } from "../types"
import type { ModuleContext } from "./context"

/**
 * How an admin names the person whose data is exported or erased: a customer id, an email address or a
 * phone number, or several of them for one person (the customer page gives the customer's id and email).
 */
export type PersonKey = { customer_id?: string; email?: string; phone?: string; country_code?: string }

/** Rows per section of an export: far above what one person gathers, and a bound on the work. */
export const EXPORT_ROWS_PER_SECTION = 10_000

/** What stands for the person in rows kept for analytics totals after erasure. */
export const ERASED = "erased"

/** Every identifier of the person: the contacts found and the addresses, numbers and customer ids they hold. */
type Person = { contactIds: string[]; contacts: Row[]; emails: string[]; phones: string[]; customerIds: string[] }

const unique = <T>(values: (T | null | undefined)[]): T[] => [...new Set(values.filter((v): v is T => v !== null && v !== undefined))]

/** `IN (?)` with an empty list would be `IN ()`: the empty string, which no id, address or number is, stands in. */
const list = (values: string[]) => (values.length ? values : [""])

/** The kinds of key used, e.g. "customer_id+email": never their values. */
function lookedUpBy(key: PersonKey): string {
  return (["customer_id", "email", "phone"] as const).filter((name) => key[name]).join("+")
}

/**
 * The person's contact rows: the ones the key names, and those sharing a customer id with them (a
 * customer's email contact and a phone-only contact are one person). Their addresses and numbers, and
 * the key's own, are the person's too, even when no contact holds them any more.
 */
async function findPerson(ctx: ModuleContext, db: Database, key: PersonKey): Promise<Person> {
  const email = normalizeEmail(key.email)
  const phone = key.phone ? e164OrRaw(key.phone.trim(), key.country_code?.toUpperCase() ?? ctx.options.twilio?.defaultCountry) : null
  const customerId = key.customer_id || null
  const named = await db.rows(
    `SELECT * FROM flows_contact WHERE deleted_at IS NULL AND (email = ? OR phone = ? OR customer_id = ?)
     ORDER BY created_at LIMIT 100`,
    [email, phone, customerId]
  )
  const customerIds = unique([customerId, ...named.map((c) => c.customer_id as string | null)])
  const sharing = customerIds.length
    ? await db.rows(
        `SELECT * FROM flows_contact WHERE deleted_at IS NULL AND customer_id IN (?) AND id NOT IN (?) ORDER BY created_at LIMIT 100`,
        [customerIds, list(named.map((c) => c.id))]
      )
    : []
  const contacts = [...named, ...sharing]
  return {
    contactIds: contacts.map((c) => c.id as string),
    contacts,
    emails: unique([email, ...contacts.map((c) => c.email as string | null)]),
    phones: unique([phone, ...contacts.map((c) => c.phone as string | null)]),
    customerIds,
  }
}

/** The person's rows in every table, each section bounded. */
async function gather(db: Database, person: Person) {
  const { contactIds, emails, phones, customerIds } = person
  const addresses = list([...emails, ...phones])
  const limit = EXPORT_ROWS_PER_SECTION + 1
  const runs = await db.rows(
    `SELECT * FROM flows_run WHERE deleted_at IS NULL
       AND (contact_id IN (?) OR customer_id IN (?) OR email IN (?) OR phone IN (?))
     ORDER BY created_at LIMIT ${limit}`,
    [list(contactIds), list(customerIds), list(emails), list(phones)]
  )
  const messages = await db.rows(
    `SELECT * FROM flows_message WHERE deleted_at IS NULL AND (contact_id IN (?) OR "to" IN (?) OR run_id IN (?))
     ORDER BY created_at LIMIT ${limit}`,
    [list(contactIds), addresses, list(runs.map((r) => r.id))]
  )
  const timeline = await db.rows(
    `SELECT * FROM flows_contact_event WHERE deleted_at IS NULL AND contact_id IN (?) ORDER BY occurred_at LIMIT ${limit}`,
    [list(contactIds)]
  )
  const evidence = await db.rows(
    `SELECT * FROM flows_consent_evidence WHERE deleted_at IS NULL AND (contact_id IN (?) OR recipient IN (?))
     ORDER BY created_at LIMIT ${limit}`,
    [list(contactIds), addresses]
  )
  const phoneConsents = await db.rows(
    `SELECT phone, state, state_at, created_at FROM flows_phone_consent WHERE deleted_at IS NULL AND phone IN (?) ORDER BY phone`,
    [list(phones)]
  )
  const shortLinks = await db.rows(
    `SELECT * FROM flows_short_link WHERE deleted_at IS NULL AND (message_key IN (?) OR cart_id IN (?))
     ORDER BY created_at LIMIT ${limit}`,
    [list(messages.map((m) => m.idempotency_key)), list(unique(runs.map((r) => r.cart_id as string | null)))]
  )
  const conversions = await db.rows(
    `SELECT * FROM flows_conversion WHERE deleted_at IS NULL AND contact_id IN (?) ORDER BY ordered_at LIMIT ${limit}`,
    [list(contactIds)]
  )
  return { messages, runs, timeline, evidence, phoneConsents, shortLinks, conversions }
}

/** Whether anything at all is known about the person. */
function known(person: Person, rows: Awaited<ReturnType<typeof gather>>): boolean {
  return person.contacts.length > 0 || Object.values(rows).some((section) => section.length > 0)
}

/** Whether rows outside the contacts name the person: runs, messages, evidence or a number's consent. */
async function knownElsewhere(db: Database, person: Person): Promise<boolean> {
  const { emails, phones, customerIds } = person
  const addresses = list([...emails, ...phones])
  const row = await db.first(
    `SELECT EXISTS (SELECT 1 FROM flows_run WHERE deleted_at IS NULL AND (customer_id IN (?) OR email IN (?) OR phone IN (?)))
       OR EXISTS (SELECT 1 FROM flows_message WHERE deleted_at IS NULL AND "to" IN (?))
       OR EXISTS (SELECT 1 FROM flows_consent_evidence WHERE deleted_at IS NULL AND recipient IN (?))
       OR EXISTS (SELECT 1 FROM flows_phone_consent WHERE deleted_at IS NULL AND phone IN (?)) AS known`,
    [list(customerIds), list(emails), list(phones), addresses, addresses, list(phones)]
  )
  return Boolean(row?.known)
}

/** Drops the soft-delete column, which is always null in what is read. */
const plain = (rows: Row[]) => rows.map(({ deleted_at: _deleted, ...row }) => row)

/** The hashes of the person's addresses and numbers on the suppression list's key. */
function hashesOf(ctx: ModuleContext, person: Pick<Person, "emails" | "phones">) {
  const key = suppressionKey(ctx.options)
  return [
    ...person.emails.map((email) => ({ hash: suppressionHash(key, "email", email), channel: "email" as const, value: email })),
    ...person.phones.map((phone) => ({ hash: suppressionHash(key, "sms", phone), channel: "sms" as const, value: phone })),
  ]
}

/**
 * Everything the plugin holds about one person, as JSON: contacts, the consent of their numbers, consent
 * evidence, messages with their bodies, the timeline, runs, short links and credited orders. Null when
 * nothing is known about them.
 */
export async function exportPerson(ctx: ModuleContext, key: PersonKey, now = new Date()) {
  const person = await findPerson(ctx, ctx.db, key)
  const rows = await gather(ctx.db, person)
  if (!known(person, rows)) {
    return null
  }
  const hashes = hashesOf(ctx, person)
  const suppressed = await suppressedAmong(
    ctx.db,
    hashes.map((h) => h.hash)
  )
  const sections = {
    contacts: plain(person.contacts),
    phone_consents: rows.phoneConsents,
    consent_evidence: plain(rows.evidence),
    messages: plain(rows.messages),
    timeline: plain(rows.timeline),
    runs: plain(rows.runs),
    short_links: plain(rows.shortLinks),
    conversions: plain(rows.conversions),
  }
  const truncated = Object.entries(sections)
    .filter(([, section]) => section.length > EXPORT_ROWS_PER_SECTION)
    .map(([name]) => name)
  const bounded = Object.fromEntries(
    Object.entries(sections).map(([name, section]) => [name, section.slice(0, EXPORT_ROWS_PER_SECTION)])
  ) as typeof sections
  return {
    exported_at: now.toISOString(),
    looked_up_by: lookedUpBy(key),
    ...bounded,
    suppressed: hashes.filter((h) => suppressed.has(h.hash)).map((h) => ({ channel: h.channel, value: h.value })),
    truncated,
  }
}

export type ErasureCounts = {
  contacts_deleted: number
  runs_ended: number
  runs_anonymised: number
  messages_anonymised: number
  messages_deleted: number
  timeline_deleted: number
  timeline_anonymised: number
  evidence_deleted: number
  phone_consents_deleted: number
  short_links_deleted: number
  conversions_anonymised: number
  suppressed: number
}

const count = async (db: Database, sql: string, params: unknown[]) => (await db.rows(`${sql} RETURNING 1`, params)).length

/**
 * Erases one person's marketing data, in one transaction: their runs end, their contacts, consent evidence,
 * number consents, short links, timeline and messages outside flows are deleted. What analytics count is
 * kept without the person: flow messages lose their recipient, bodies and provider id; runs lose every
 * identifier; unsubscribes on the timeline and credited orders lose the contact. Their addresses and
 * numbers go on the suppression list (hashed). The audit record holds who, when and how many, never whom.
 * Null when nothing is known about them.
 */
export async function erasePerson(ctx: ModuleContext, key: PersonKey, actorId: string | null, now = new Date()) {
  const db = ctx.db
  const person = await findPerson(ctx, db, key)
  if (!person.contacts.length && !(await knownElsewhere(db, person))) {
    return null
  }
  const { contactIds, emails, phones, customerIds } = person
  const contacts = list(contactIds)
  const addresses = list([...emails, ...phones])
  const byPerson = `(contact_id IN (?) OR customer_id IN (?) OR email IN (?) OR phone IN (?))`
  const personParams = [contacts, list(customerIds), list(emails), list(phones)]
  const runIds = `SELECT id FROM flows_run WHERE deleted_at IS NULL AND ${byPerson}`
  // The person's messages: to their contacts, to their addresses, or in their runs.
  const messageMatch = `deleted_at IS NULL AND (contact_id IN (?) OR "to" IN (?) OR run_id IN (${runIds}))`
  const messageParams = [contacts, addresses, ...personParams]
  const counts: ErasureCounts = {
    contacts_deleted: 0,
    runs_ended: 0,
    runs_anonymised: 0,
    messages_anonymised: 0,
    messages_deleted: 0,
    timeline_deleted: 0,
    timeline_anonymised: 0,
    evidence_deleted: 0,
    phone_consents_deleted: 0,
    short_links_deleted: 0,
    conversions_anonymised: 0,
    suppressed: 0,
  }
  counts.runs_ended = await count(
    db,
    `UPDATE flows_run SET status = 'exited', exit_reason = 'erased', ended_at = ?, next_run_at = NULL, claimed_until = NULL,
       claim_token = NULL, updated_at = ?
     WHERE status = 'active' AND deleted_at IS NULL AND ${byPerson}`,
    [now, now, ...personParams]
  )
  // The links lead to the person's carts; found by the keys of their messages before those keys are blanked.
  counts.short_links_deleted = await count(
    db,
    `DELETE FROM flows_short_link WHERE message_key IN (SELECT idempotency_key FROM flows_message WHERE ${messageMatch})
       OR cart_id IN (SELECT cart_id FROM flows_run WHERE cart_id IS NOT NULL AND ${byPerson})`,
    [...messageParams, ...personParams]
  )
  // Messages outside flows (confirmations, test sends) count nowhere: deleted with their webhook events.
  await db.rows(
    `DELETE FROM flows_provider_event WHERE message_id IN (SELECT id FROM flows_message WHERE run_id IS NULL AND ${messageMatch})`,
    messageParams
  )
  counts.messages_deleted = await count(db, `DELETE FROM flows_message WHERE run_id IS NULL AND ${messageMatch}`, messageParams)
  // Webhook payloads name the recipient; the rows stay so a redelivered event is still recognised.
  await db.rows(
    `UPDATE flows_provider_event SET payload = NULL WHERE message_id IN (SELECT id FROM flows_message WHERE ${messageMatch})`,
    messageParams
  )
  counts.messages_anonymised = await count(
    db,
    `UPDATE flows_message SET "to" = NULL, contact_id = NULL, subject = NULL, preheader = NULL, html = NULL, text = NULL,
       error = NULL, provider_id = NULL, metadata = NULL, idempotency_key = 'erased:' || id, updated_at = ?
     WHERE ${messageMatch}`,
    [now, ...messageParams]
  )
  counts.runs_anonymised = await count(
    db,
    `UPDATE flows_run SET subject_id = ?, cart_id = NULL, order_id = NULL, customer_id = NULL, contact_id = NULL, email = NULL,
       phone = NULL, last_error = NULL, context = '{}'::jsonb, updated_at = ?
     WHERE deleted_at IS NULL AND ${byPerson}`,
    [ERASED, now, ...personParams]
  )
  // Unsubscribes credited to a flow are in its analytics: kept, without the person or what they wrote.
  const counted = `type IN (${UNSUBSCRIBE_EVENTS.map((type) => `'${type}'`).join(", ")}) AND flow_id IS NOT NULL`
  counts.timeline_deleted = await count(db, `DELETE FROM flows_contact_event WHERE contact_id IN (?) AND NOT (${counted})`, [contacts])
  counts.timeline_anonymised = await count(
    db,
    `UPDATE flows_contact_event SET contact_id = ?, data = NULL, dedupe_key = NULL, updated_at = ? WHERE contact_id IN (?) AND ${counted}`,
    [ERASED, now, contacts]
  )
  counts.evidence_deleted = await count(db, `DELETE FROM flows_consent_evidence WHERE contact_id IN (?) OR recipient IN (?)`, [
    contacts,
    addresses,
  ])
  counts.phone_consents_deleted = await count(db, `DELETE FROM flows_phone_consent WHERE phone IN (?)`, [list(phones)])
  counts.conversions_anonymised = await count(db, `UPDATE flows_conversion SET contact_id = ?, updated_at = ? WHERE contact_id IN (?)`, [
    ERASED,
    now,
    contacts,
  ])
  // The storefront form's rate-limit keys hold the address and the number.
  await db.rows(`DELETE FROM flows_rate_limit WHERE key IN (?)`, [
    list([...emails.map((e) => `consent:email:${e}`), ...phones.map((p) => `consent:phone:${p}`)]),
  ])
  counts.contacts_deleted = await count(db, `DELETE FROM flows_contact WHERE id IN (?)`, [contacts])
  counts.suppressed = await addSuppressions(db, hashesOf(ctx, person), "erasure", now)
  const erasure = await db.first(
    `INSERT INTO flows_erasure (id, actor_id, looked_up_by, erased_at, counts, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?::jsonb, ?, ?) RETURNING id, actor_id, looked_up_by, erased_at, counts`,
    [newId("flowera"), actorId, lookedUpBy(key), now, json(counts), now, now]
  )
  return erasure as { id: string; actor_id: string | null; looked_up_by: string; erased_at: Date; counts: ErasureCounts }
}

/** The addresses and numbers among `values` that are on the suppression list. */
export async function suppressedValues(ctx: ModuleContext, values: { channel: ChannelName; value: string }[]): Promise<Set<string>> {
  const key = suppressionKey(ctx.options)
  const hashed = values.map((v) => ({ ...v, hash: suppressionHash(key, v.channel, v.value) }))
  const found = await suppressedAmong(
    ctx.db,
    hashed.map((h) => h.hash)
  )
  return new Set(hashed.filter((h) => found.has(h.hash)).map((h) => h.value))
}

/** Whether an address (email) or E.164 number (sms) is on the suppression list. */
export async function isSuppressed(ctx: ModuleContext, channel: ChannelName, value: string | null): Promise<boolean> {
  return value ? (await suppressedValues(ctx, [{ channel, value }])).size > 0 : false
}

/** A confirmed opt-in (the email confirmation link, a YES or START text) takes the address or number off the list. */
export async function liftSuppressionOf(ctx: ModuleContext, channel: ChannelName, value: string): Promise<boolean> {
  return await liftSuppression(ctx.db, suppressionHash(suppressionKey(ctx.options), channel, value))
}

/**
 * An event's identity without its suppressed address and number: an erased person's new cart or order
 * starts no run and records no contact. `dropped` tells whether anything was taken out.
 */
export async function withoutSuppressed(ctx: ModuleContext, identity: Identity): Promise<{ identity: Identity; dropped: boolean }> {
  const email = normalizeEmail(identity.email)
  const values = [
    ...(email ? [{ channel: "email" as const, value: email }] : []),
    ...(identity.phone ? [{ channel: "sms" as const, value: identity.phone }] : []),
  ]
  const suppressed = await suppressedValues(ctx, values)
  if (!suppressed.size) {
    return { identity, dropped: false }
  }
  return {
    identity: {
      ...identity,
      email: email && suppressed.has(email) ? null : identity.email,
      phone: identity.phone && suppressed.has(identity.phone) ? null : identity.phone,
    },
    dropped: true,
  }
}
