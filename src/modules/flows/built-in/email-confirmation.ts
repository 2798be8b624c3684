import type { CompiledEmailTemplate } from "../../../engine"
import { button, emailLayout } from "./layout"

/**
 * Sent when an unsubscribed address signs up again on a storefront form: only the address's owner can
 * subscribe it again. `confirm_url` leads to a page whose button confirms (mail scanners open links).
 */
export const EMAIL_CONFIRMATION: CompiledEmailTemplate = {
  subject: "Confirm that you want emails from {{ store.name }}",
  html: emailLayout(`<p style="margin:0 0 16px;">Hi{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>
<p style="margin:0 0 16px;">Someone, hopefully you, signed this address up for emails from {{ store.name }}. It unsubscribed
before, so we need you to confirm.</p>
${button("{{ confirm_url }}", "Yes, send me emails")}
<p style="margin:0;color:#71717a;font-size:14px;">If it was not you, ignore this email: you stay unsubscribed.</p>`),
}
