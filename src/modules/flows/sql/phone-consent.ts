import { newId } from "./ids"
import type { PhoneConsentState } from "../../../engine/constants"
import type { Database } from "./database"

/** The SMS consent of one E.164 number; null when the number never asked or answered. */
export async function phoneConsentOf(db: Database, phone: string | null): Promise<PhoneConsentState | null> {
  if (!phone) {
    return null
  }
  const row = await db.first(`SELECT state FROM flows_phone_consent WHERE phone = ? AND deleted_at IS NULL`, [phone])
  return (row?.state as PhoneConsentState | undefined) ?? null
}

/**
 * Sets a number's consent. `onlyFrom` makes it conditional: a form may move an unknown or pending number
 * to pending, but never touch one that is granted or that said STOP. Returns the state the number has after.
 */
export async function setPhoneConsent(
  db: Database,
  phone: string,
  state: PhoneConsentState,
  now: Date,
  onlyFrom?: (PhoneConsentState | null)[]
): Promise<PhoneConsentState> {
  const fromStates = onlyFrom?.filter((s): s is PhoneConsentState => s !== null)
  const condition = onlyFrom ? `WHERE flows_phone_consent.state IN (${fromStates!.map(() => "?").join(", ") || "NULL"})` : ""
  const row = await db.first(
    `INSERT INTO flows_phone_consent (id, phone, state, state_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (phone) WHERE deleted_at IS NULL DO UPDATE SET state = EXCLUDED.state, state_at = EXCLUDED.state_at,
       updated_at = EXCLUDED.updated_at
     ${condition}
     RETURNING state`,
    [newId("flowpho"), phone, state, now, now, now, ...(fromStates ?? [])]
  )
  // No row back: the condition kept the number as it was.
  return (row?.state as PhoneConsentState | undefined) ?? (await phoneConsentOf(db, phone))!
}
