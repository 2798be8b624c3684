import { choosePreferredChannel, consentRefusal, type ChannelChoice } from "../../../engine"
import { CHANNELS, type ChannelName } from "../../../engine/constants"
import { consentOf } from "../sql/contacts"
import { preferredChannelOf } from "../sql/engagement"
import { phoneConsentOf } from "../sql/phone-consent"
import { messageKey, type RunRow } from "../types"
import type { ModuleContext } from "./context"
import { recipientOf } from "./send-facts"
import { engagementLevelOf } from "./engagement"

/**
 * The channel a preferred-channel step of this run uses: the contact's stated preference, else the
 * channel they engage with more, else email; the other channel only when the first cannot be used and
 * the other has consent for its own address or number. A step whose message already exists (waiting for a
 * provider retry, or deferred) keeps that message's channel: one step never becomes two messages.
 */
export async function preferredChannelFor(ctx: ModuleContext, run: RunRow, stepId: string, now = new Date()): Promise<ChannelChoice> {
  const earlier = await ctx.db.first(`SELECT channel FROM flows_message WHERE idempotency_key = ?`, [messageKey(run, stepId)])
  if (earlier) {
    return { channel: earlier.channel as ChannelName, because: "earlier_attempt" }
  }
  const contact = await consentOf(ctx.db, run.contact_id)
  const refusalOn = async (channel: ChannelName) => {
    const recipient = recipientOf(ctx, run, channel)
    return (
      recipient.invalid ??
      consentRefusal({
        channel,
        flow_id: run.flow_id,
        to: recipient.to,
        consent: {
          email: contact?.email_consent ?? null,
          phone: channel === "sms" ? await phoneConsentOf(ctx.db, recipient.to) : null,
          unsubscribed_flows: contact?.unsubscribed_flows ?? [],
        },
        email_policy: ctx.options.defaults.emailConsent,
      })
    )
  }
  const [email, sms] = await Promise.all(CHANNELS.map(refusalOn))
  const engagement = await engagementLevelOf(ctx, run.contact_id, now)
  return choosePreferredChannel({
    stated: await preferredChannelOf(ctx.db, run.contact_id),
    engagement: engagement?.counts.by_channel ?? { email: 0, sms: 0 },
    refusal: { email, sms },
  })
}
