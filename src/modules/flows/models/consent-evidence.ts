import { model } from "@medusajs/framework/utils"
import { CHANNELS, CONSENT_EVIDENCE_STATES } from "../../../engine/constants"

/** Proof of a consent decision: what the person was shown, where, when and from which client. */
export const ConsentEvidence = model
  .define("flows_consent_evidence", {
    id: model.id({ prefix: "flowcev" }).primaryKey(),
    contact_id: model.text(),
    channel: model.enum([...CHANNELS]),
    state: model.enum([...CONSENT_EVIDENCE_STATES]),
    source: model.text(),
    /** The address or number the decision is about: consent belongs to it, not to the contact. */
    recipient: model.text().nullable(),
    /** The exact checkbox or form text the person agreed to, or the text they replied to confirm. */
    text: model.text(),
    ip: model.text().nullable(),
    user_agent: model.text().nullable(),
  })
  .indexes([{ on: ["contact_id", "created_at"] }, { on: ["ip", "created_at"] }])
