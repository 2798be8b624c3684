import type { Facts } from "./conditions"
import type { FlowDefinition } from "./definition"
import { findStep } from "./step-index"

/**
 * What counts as the shopper doing something to a cart: its email, phone and the items with their
 * quantities. Anything else (a refreshed shipping estimate, a touched updated_at) is not activity.
 */
export function activityFingerprint(facts: Facts): string | null {
  const cart = facts.cart as { email?: unknown; shipping_address?: { phone?: unknown }; items?: unknown[] } | undefined
  if (!cart) {
    return null
  }
  const items = (cart.items ?? [])
    .map((item) => item as { variant_id?: unknown; product_id?: unknown; title?: unknown; quantity?: unknown })
    .map((item) => `${item.variant_id ?? item.product_id ?? item.title}×${item.quantity}`)
    .sort()
  return JSON.stringify([cart.email ?? null, cart.shipping_address?.phone ?? null, items])
}

/**
 * Whether new activity should restart the run's current wait: the flow asks for it, the run has not
 * started or sits in a wait, and the subject really changed. Sent steps are never sent again: the
 * run stays where it is, only its clock restarts.
 */
export function shouldRestartWait(
  definition: FlowDefinition,
  run: { step_id: string | null; fingerprint: string | null },
  fingerprint: string | null
): boolean {
  if (!definition.trigger.restart_wait_on_activity || fingerprint === null || fingerprint === run.fingerprint) {
    return false
  }
  const stepId = run.step_id ?? definition.steps[0].id
  return findStep(definition, stepId)?.type === "wait"
}
