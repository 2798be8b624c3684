import type { MedusaResponse } from "@medusajs/framework/http"
import { renderHtml } from "../../engine"

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>{{ title }} – {{ store }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}
button{font:inherit;padding:.6rem 1.2rem;margin:0 .5rem .5rem 0;border-radius:6px;border:1px solid #222;background:#222;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#222}</style>
</head><body><h1>{{ title }}</h1><p>{{ text }}</p>{% if choices.size > 0 %}<form method="post" action="{{ action }}">
{% for choice in choices %}<button type="submit" name="choice" value="{{ choice.value }}"{% unless forloop.first %} class="secondary"{% endunless %}>{{ choice.label }}</button>{% endfor %}
</form>{% endif %}</body></html>`

export type PageChoice = { value: string; label: string }

/** The small page a person lands on from a link in a message. */
export function sendPage(
  res: MedusaResponse,
  status: number,
  page: { store: string; title: string; text: string; action?: string; choices?: PageChoice[] }
) {
  res.status(status).type("text/html").send(renderHtml(PAGE, { choices: [], ...page }))
}
