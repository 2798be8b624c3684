import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { renderHtml } from "../../engine"
import { FLOWS_MODULE } from "../../modules/flows"
import { InvalidLinkError } from "../../modules/flows/links/signed-links"
import type FlowsModuleService from "../../modules/flows/service"

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
  res
    .status(status)
    .type("text/html")
    .send(renderHtml(PAGE, { choices: [], ...page }))
}

/** A link whose token is bad or expired gets a page that says so; any other error goes on to Medusa. */
export function sendInvalidLinkPage(req: MedusaRequest, res: MedusaResponse, error: unknown) {
  if (!(error instanceof InvalidLinkError)) {
    throw error
  }
  const flows: FlowsModuleService = req.scope.resolve(FLOWS_MODULE)
  sendPage(res, 400, { store: flows.getOptions().storeName, title: "This link does not work", text: error.message })
}
