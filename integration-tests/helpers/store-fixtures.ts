import path from "node:path"
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import jwt from "jsonwebtoken"
import type { MedusaContainer } from "@medusajs/framework/types"
import { ApiKeyType, Modules } from "@medusajs/framework/utils"
import {
  createApiKeysWorkflow,
  createProductsWorkflow,
  createRegionsWorkflow,
  createSalesChannelsWorkflow,
  linkSalesChannelsToApiKeyWorkflow,
} from "@medusajs/core-flows"

export { eventually } from "./eventually"

export const JWT_SECRET = "test-jwt-secret"

export type StoreFixture = {
  adminHeaders: { headers: Record<string, string> }
  storeHeaders: { headers: Record<string, string> }
  regionId: string
  salesChannelId: string
  productId: string
  variantId: string
  productTitle: string
}

/** A store that can sell: region with the system payment provider, a channel, a key, a product. */
export async function createStoreFixture(container: MedusaContainer): Promise<StoreFixture> {
  const userModule = container.resolve(Modules.USER)
  const authModule = container.resolve(Modules.AUTH)
  const user = await userModule.createUsers({ email: "admin@example.com", first_name: "Ada", last_name: "Admin" })
  const authIdentity = await authModule.createAuthIdentities({
    provider_identities: [{ provider: "emailpass", entity_id: "admin@example.com" }],
    app_metadata: { user_id: user.id },
  })
  const token = jwt.sign({ actor_id: user.id, actor_type: "user", auth_identity_id: authIdentity.id }, JWT_SECRET, { expiresIn: "1d" })

  const {
    result: [channel],
  } = await createSalesChannelsWorkflow(container).run({
    input: { salesChannelsData: [{ name: "Web" }] },
  })
  const {
    result: [apiKey],
  } = await createApiKeysWorkflow(container).run({
    input: { api_keys: [{ title: "Storefront", type: ApiKeyType.PUBLISHABLE, created_by: user.id }] },
  })
  await linkSalesChannelsToApiKeyWorkflow(container).run({ input: { id: apiKey.id, add: [channel.id] } })
  const {
    result: [region],
  } = await createRegionsWorkflow(container).run({
    input: {
      regions: [{ name: "US", currency_code: "usd", countries: ["us"], payment_providers: ["pp_system_default"] }],
    },
  })
  const productTitle = "Canvas Tote"
  const {
    result: [product],
  } = await createProductsWorkflow(container).run({
    input: {
      products: [
        {
          title: productTitle,
          thumbnail: "https://cdn.example.com/tote.png",
          status: "published",
          options: [{ title: "Size", values: ["One size"] }],
          sales_channels: [{ id: channel.id }],
          variants: [
            {
              title: "One size",
              options: { Size: "One size" },
              manage_inventory: false,
              prices: [{ amount: 25, currency_code: "usd" }],
            },
          ],
        },
      ],
    },
  })

  return {
    adminHeaders: { headers: { authorization: `Bearer ${token}` } },
    storeHeaders: { headers: { "x-publishable-api-key": apiKey.token } },
    regionId: region.id,
    salesChannelId: channel.id,
    productId: product.id,
    variantId: product.variants[0].id,
    productTitle,
  }
}

/** Sends a request and returns the response whatever its status. */
export async function attempt(promise: Promise<any>) {
  try {
    return await promise
  } catch (error: any) {
    return error.response
  }
}

/**
 * Boots a store with the plugin (integration-tests/medusa-config.ts) and gives every test a fresh
 * fixture: `store` is refilled before each test, as the runner restores the database between them.
 */
export function storeTestRunner(testSuite: (args: { api: any; getContainer: () => MedusaContainer; store: StoreFixture }) => void) {
  medusaIntegrationTestRunner({
    cwd: path.join(__dirname, ".."),
    testSuite: ({ api, getContainer }) => {
      const store = {} as StoreFixture
      beforeEach(async () => {
        Object.assign(store, await createStoreFixture(getContainer()))
      })
      testSuite({ api, getContainer, store })
    },
  })
}
