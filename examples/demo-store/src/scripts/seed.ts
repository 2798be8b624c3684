import type { ExecArgs } from "@medusajs/framework/types"
import { Modules } from "@medusajs/framework/utils"
import {
  createApiKeysWorkflow,
  createCollectionsWorkflow,
  createCustomersWorkflow,
  createProductsWorkflow,
  createRegionsWorkflow,
  linkSalesChannelsToApiKeyWorkflow,
  updateStoresWorkflow,
} from "@medusajs/core-flows"
import { enableShipping } from "../lib/shipping"

const REGION_NAME = "Demo: North America"
const IMAGES = "https://medusa-public-images.s3.eu-west-1.amazonaws.com"

const PRODUCTS = [
  { title: "Medusa T-Shirt", handle: "t-shirt", image: "tee-black-front.png", price: 15 },
  { title: "Medusa Sweatshirt", handle: "sweatshirt", image: "sweatshirt-vintage-front.png", price: 35 },
  { title: "Medusa Sweatpants", handle: "sweatpants", image: "sweatpants-gray-front.png", price: 30 },
  { title: "Medusa Shorts", handle: "shorts", image: "shorts-vintage-front.png", price: 20 },
]

const CUSTOMERS = [
  { email: "jane@example.com", first_name: "Jane", last_name: "Doe", phone: "+12025550101" },
  { email: "lee@example.com", first_name: "Lee", last_name: "Park", phone: "+12025550102" },
]

/**
 * The demo store's data: a region that can sell and ship, products with images in one collection,
 * customers, a publishable key, and the built-in flows switched on. Runs once; later runs keep the data.
 */
export default async function seedDemoStore({ container }: ExecArgs) {
  // Plain output: `npm run demo` runs this with Medusa's own logging turned down to errors.
  const log = (line: string) => console.log(`[demo] ${line}`)
  const regionModule = container.resolve(Modules.REGION)
  if ((await regionModule.listRegions({ name: REGION_NAME })).length) {
    log("the store is already seeded; keeping its data (npm run demo -- --reset starts fresh)")
    return
  }

  log("seeding: store, region, shipping, products, customers")
  const salesChannelModule = container.resolve(Modules.SALES_CHANNEL)
  const [channel] = await salesChannelModule.listSalesChannels({ name: "Default Sales Channel" })
  const [store] = await container.resolve(Modules.STORE).listStores()
  await updateStoresWorkflow(container).run({
    input: {
      selector: { id: store.id },
      update: {
        name: "Flows Demo Store",
        supported_currencies: [{ currency_code: "usd", is_default: true }],
        default_sales_channel_id: channel.id,
      },
    },
  })
  const {
    result: [region],
  } = await createRegionsWorkflow(container).run({
    input: { regions: [{ name: REGION_NAME, currency_code: "usd", countries: ["us", "ca"], payment_providers: ["pp_system_default"] }] },
  })
  const {
    result: [apiKey],
  } = await createApiKeysWorkflow(container).run({
    input: { api_keys: [{ title: "Demo storefront", type: "publishable", created_by: "" }] },
  })
  await linkSalesChannelsToApiKeyWorkflow(container).run({ input: { id: apiKey.id, add: [channel.id] } })

  const {
    result: [collection],
  } = await createCollectionsWorkflow(container).run({
    input: { collections: [{ title: "Essentials", handle: "essentials" }] },
  })
  const { result: products } = await createProductsWorkflow(container).run({
    input: {
      products: PRODUCTS.map((product) => ({
        title: product.title,
        handle: product.handle,
        status: "published" as const,
        collection_id: collection.id,
        thumbnail: `${IMAGES}/${product.image}`,
        images: [{ url: `${IMAGES}/${product.image}` }],
        options: [{ title: "Size", values: ["M"] }],
        sales_channels: [{ id: channel.id }],
        variants: [
          {
            title: "M",
            sku: `${product.handle.toUpperCase()}-M`,
            options: { Size: "M" },
            manage_inventory: false,
            prices: [{ amount: product.price, currency_code: "usd" }],
          },
        ],
      })),
    },
  })
  await enableShipping(container, {
    salesChannelId: channel.id,
    regionId: region.id,
    currencyCode: "usd",
    countryCode: "us",
    productIds: products.map((product) => product.id),
  })
  await createCustomersWorkflow(container).run({ input: { customersData: CUSTOMERS } })

  // The plugin's module, as any store resolves it; typed here by the calls the demo makes.
  const flows = container.resolve<{
    seedBuiltInFlows(): Promise<string[]>
    listFlows(filters: Record<string, unknown>, config: { select: string[] }): Promise<{ id: string; name: string }[]>
    setFlowStatus(id: string, status: "active"): Promise<unknown>
  }>("medusaPluginFlows")
  await flows.seedBuiltInFlows()
  const builtIns = await flows.listFlows({ handle: { $ne: null } }, { select: ["id", "name"] })
  for (const flow of builtIns) {
    await flows.setFlowStatus(flow.id, "active")
  }
  log(`seeded ${products.length} products, ${CUSTOMERS.length} customers; switched on: ${builtIns.map((f) => f.name).join(", ")}`)
}
