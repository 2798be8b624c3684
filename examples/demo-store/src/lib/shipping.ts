import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import {
  createShippingOptionsWorkflow,
  createShippingProfilesWorkflow,
  createStockLocationsWorkflow,
  linkSalesChannelsToStockLocationWorkflow,
} from "@medusajs/core-flows"

/**
 * Lets a store ship: a warehouse for the sales channel, a US service zone served by Medusa's manual
 * fulfillment provider, a flat-rate option, and the products on its shipping profile.
 */
export async function enableShipping(
  container: MedusaContainer,
  store: { salesChannelId: string; regionId: string; currencyCode: string; productIds: string[]; countryCode: string }
): Promise<{ shippingOptionId: string; locationId: string }> {
  const link = container.resolve(ContainerRegistrationKeys.LINK)
  const fulfillment = container.resolve(Modules.FULFILLMENT)
  const {
    result: [location],
  } = await createStockLocationsWorkflow(container).run({
    input: {
      locations: [{ name: "Warehouse", address: { address_1: "1 Dock Street", city: "Portland", country_code: store.countryCode } }],
    },
  })
  await linkSalesChannelsToStockLocationWorkflow(container).run({ input: { id: location.id, add: [store.salesChannelId] } })
  await link.create({
    [Modules.STOCK_LOCATION]: { stock_location_id: location.id },
    [Modules.FULFILLMENT]: { fulfillment_provider_id: "manual_manual" },
  })
  const [existingProfile] = await fulfillment.listShippingProfiles({ type: "default" })
  const profile =
    existingProfile ??
    (await createShippingProfilesWorkflow(container).run({ input: { data: [{ name: "Default", type: "default" }] } })).result[0]
  const fulfillmentSet = await fulfillment.createFulfillmentSets({
    name: "Warehouse shipping",
    type: "shipping",
    service_zones: [{ name: store.countryCode.toUpperCase(), geo_zones: [{ type: "country", country_code: store.countryCode }] }],
  })
  await link.create({
    [Modules.STOCK_LOCATION]: { stock_location_id: location.id },
    [Modules.FULFILLMENT]: { fulfillment_set_id: fulfillmentSet.id },
  })
  const {
    result: [option],
  } = await createShippingOptionsWorkflow(container).run({
    input: [
      {
        name: "Standard shipping",
        price_type: "flat",
        provider_id: "manual_manual",
        service_zone_id: fulfillmentSet.service_zones[0].id,
        shipping_profile_id: profile.id,
        type: { label: "Standard", description: "Ships in 2-3 days.", code: "standard" },
        prices: [
          { currency_code: store.currencyCode, amount: 5 },
          { region_id: store.regionId, amount: 5 },
        ],
        rules: [
          { attribute: "enabled_in_store", value: "true", operator: "eq" },
          { attribute: "is_return", value: "false", operator: "eq" },
        ],
      },
    ],
  })
  await link.create(
    store.productIds.map((product_id) => ({
      [Modules.PRODUCT]: { product_id },
      [Modules.FULFILLMENT]: { shipping_profile_id: profile.id },
    }))
  )
  return { shippingOptionId: option.id, locationId: location.id }
}
