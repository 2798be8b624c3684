import type { MedusaResponse } from "@medusajs/framework/http"
import { renderHtml } from "../../engine"

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>{{ title }} – {{ store }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}
button{font:inherit;padding:.6rem 1.2rem;border-radius:6px;border:1px solid #222;background:#222;color:#fff;cursor:pointer}</style>
</head><body><h1>{{ title }}</h1><p>{{ text }}</p>{% if action %}<form method="post" action="{{ action }}">
<button type="submit">{{ button }}</button></form>{% endif %}</body></html>`

/** The small page a person lands on from a link in a message. */
export function sendPage(
  res: MedusaResponse,
  status: number,
  page: { store: string; title: string; text: string; action?: string; button?: string }
) {
  res.status(status).type("text/html").send(renderHtml(PAGE, page))
}
