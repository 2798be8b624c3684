/** The first line of the built-in emails. */
export const greeting = "{% if customer.first_name %}Hi {{ customer.first_name }},{% else %}Hi,{% endif %}"

/**
 * The HTML shell of the emails that are not built from blocks (the sign-up confirmation), and a
 * starting point for owners who write raw HTML. The built-in flows' emails are blocks (`email/`).
 * The shell every such template shares: a 600px table layout with inline styles, which is
 * what Gmail, Outlook and Apple Mail all render the same way. It is applied when the flows are seeded,
 * so the owner edits one complete HTML document per step.
 */
export function emailLayout(body: string): string {
  return `<!doctype html>
<html lang="en" xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<title>{{ store.name }}</title>
<!--[if mso]><style>table,td{font-family:Arial,sans-serif!important}</style><![endif]-->
</head>
<body style="margin:0;padding:0;background:#f4f4f5;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f4f5;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background:#ffffff;border-radius:8px;font-family:Helvetica,Arial,sans-serif;color:#18181b;font-size:16px;line-height:24px;">
<tr><td style="padding:24px 32px;font-size:20px;font-weight:bold;border-bottom:1px solid #e4e4e7;">{{ store.name }}</td></tr>
<tr><td style="padding:32px;">
${body}
</td></tr>
<tr><td style="padding:24px 32px;font-size:12px;line-height:18px;color:#71717a;border-top:1px solid #e4e4e7;">
{% if store.address %}{{ store.address | escape | newline_to_br | raw }}<br>{% endif %}You receive this email from {{ store.name }}. <a href="{{ links.unsubscribe }}" style="color:#71717a;">Unsubscribe</a>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>`
}

/** A full-width button that survives Outlook (a table cell, not a styled link alone). */
export function button(href: string, label: string): string {
  return `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:24px 0;"><tr>
<td align="center" bgcolor="#18181b" style="border-radius:6px;"><a href="${href}" style="display:inline-block;padding:12px 24px;color:#ffffff;text-decoration:none;font-weight:bold;">${label}</a></td>
</tr></table>`
}

/** The line items of `{{ source }}` (cart or order): image, title, quantity and price. */
export function itemsTable(source: "cart" | "order"): string {
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
{% for item in ${source}.items %}<tr>
<td width="72" style="padding:8px 0;">{% if item.thumbnail %}<img src="{{ item.thumbnail }}" width="64" height="64" alt="" style="display:block;border-radius:4px;object-fit:cover;">{% endif %}</td>
<td style="padding:8px 12px;">{{ item.title }}{% if item.variant_title %}<br><span style="color:#71717a;font-size:14px;">{{ item.variant_title }}</span>{% endif %}<br><span style="color:#71717a;font-size:14px;">Qty {{ item.quantity }}</span></td>
<td align="right" style="padding:8px 0;white-space:nowrap;">{{ item.total }}</td>
</tr>{% endfor %}
<tr><td colspan="2" style="padding:12px 0;border-top:1px solid #e4e4e7;font-weight:bold;">Total</td>
<td align="right" style="padding:12px 0;border-top:1px solid #e4e4e7;font-weight:bold;">{{ ${source}.total }}</td></tr>
</table>`
}
