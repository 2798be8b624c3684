import { brandSettingsSchema, brandVariables, type Brand, type BrandSettings, type BrandVariables } from "../../../engine"
import { brandOfOptions } from "../options"
import type { ModuleContext } from "./context"

export type EffectiveBrand = Brand & { address: string | null }

const KEY = "brand"

export const MISSING_ADDRESS_WARNING =
  "Email is sent through SendGrid but no postal address is set. Commercial email must carry one (CAN-SPAM): set the storeAddress option or the address in Flows > Settings."

/** What the settings page saved, or null; a row that no longer validates counts as nothing saved. */
async function savedBrand(ctx: ModuleContext): Promise<BrandSettings | null> {
  const row = await ctx.db.first(`SELECT value FROM flows_setting WHERE key = ? AND deleted_at IS NULL`, [KEY])
  const parsed = brandSettingsSchema.safeParse(row?.value)
  return parsed.success ? parsed.data : null
}

/** The brand every block is drawn with: the settings page's values over the plugin options. */
export async function brandSettings(ctx: ModuleContext): Promise<{ effective: EffectiveBrand; saved: BrandSettings | null }> {
  const saved = await savedBrand(ctx)
  const effective = brandOfOptions(ctx.options)
  for (const [key, value] of Object.entries(saved ?? {})) {
    if (value !== undefined) {
      // An empty address or a removed logo in the page means none, whatever the options say.
      ;(effective as Record<string, unknown>)[key] = value === "" ? null : value
    }
  }
  return { effective, saved }
}

/** Saves the settings page's brand; one row, replaced as a whole. */
export async function saveBrandSettings(ctx: ModuleContext, input: BrandSettings) {
  const value = brandSettingsSchema.parse(input)
  await ctx.db.rows(
    `INSERT INTO flows_setting (id, key, value, created_at, updated_at) VALUES (?, ?, ?::jsonb, now(), now())
     ON CONFLICT (key) WHERE deleted_at IS NULL DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [`flowset_${KEY}`, KEY, JSON.stringify(value)]
  )
  return await brandSettings(ctx)
}

/** What templates see: `store.address` and `brand`. */
export async function brandForTemplates(ctx: ModuleContext): Promise<{ address: string | null; brand: BrandVariables }> {
  const { effective } = await brandSettings(ctx)
  return { address: effective.address, brand: brandVariables(effective) }
}
