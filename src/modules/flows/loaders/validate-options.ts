import type { LoaderOptions } from "@medusajs/framework/types"
import { parsePluginOptions } from "../options"

/** Fails start-up on a wrong or missing option, naming it, instead of sending nothing later. */
export async function validateOptionsLoader({ options }: LoaderOptions<Record<string, unknown>>) {
  parsePluginOptions(options)
}
