import { createHmac } from "node:crypto"
import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { createPromotionsWorkflow } from "@medusajs/medusa/core-flows"
import type { PluginOptions } from "../../modules/flows/options"

export type Discount = { code: string; percentage: number; expires_at: Date }

/** The same run and step always get the same code, so a retried send reuses it instead of minting another. */
export function discountCodeFor(secret: string, prefix: string, runId: string, stepId: string): string {
  const digest = createHmac("sha256", secret).update(`${runId}:${stepId}`).digest("hex").toUpperCase()
  return `${prefix}-${digest.slice(0, 10)}`
}

async function existing(container: MedusaContainer, code: string, percentage: number): Promise<Discount | null> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({ entity: "promotion", fields: ["code", "campaign.ends_at"], filters: { code } })
  const endsAt = data[0]?.campaign?.ends_at
  return data[0] && endsAt ? { code, percentage, expires_at: new Date(endsAt as string) } : null
}

/**
 * The run step's discount code, created once through Medusa's Promotion module: a percentage off the
 * order, usable once, in a campaign that ends after `discount.validDays`.
 */
export async function ensureDiscount(
  container: MedusaContainer,
  options: PluginOptions,
  run: { id: string },
  stepId: string,
  now: Date
): Promise<Discount> {
  const { percentage, validDays, prefix } = options.discount
  const code = discountCodeFor(options.secret, prefix, run.id, stepId)
  const found = await existing(container, code, percentage)
  if (found) {
    return found
  }
  const expiresAt = new Date(now.getTime() + validDays * 86_400_000)
  try {
    await createPromotionsWorkflow(container).run({
      input: {
        promotionsData: [
          {
            code,
            type: "standard",
            status: "active",
            is_automatic: false,
            limit: 1,
            application_method: { type: "percentage", target_type: "order", value: percentage },
            campaign: { name: `Flows ${code}`, campaign_identifier: code, starts_at: now, ends_at: expiresAt },
          },
        ],
      },
    })
  } catch (error) {
    // Another worker created it first: use theirs.
    const raced = await existing(container, code, percentage)
    if (raced) {
      return raced
    }
    throw error
  }
  return { code, percentage, expires_at: expiresAt }
}
