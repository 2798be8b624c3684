// The demo store's tsconfig reaches this file through the plugin's sources without src/engine's .d.ts files.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./iso-3166-2.d.ts" />
import { cityMapping } from "city-timezones"
import iso3166 from "iso-3166-2"
import { isValidTimezone } from "./durations"

// countries-and-timezones ships a CommonJS build, but its only types sit in its ESM folder, which a
// CommonJS file cannot import: the CommonJS build is loaded, typed with what is used of it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getCountry } = require("countries-and-timezones") as { getCountry(id: string): { timezones: string[] } | null }

/** The parts of a postal address that tell where its person lives. Medusa's address fields, as stored. */
export type AddressForZone = {
  country_code?: string | null
  /** State, province or region: an ISO 3166-2 code ("NY", "US-NY", "us-ny") or its name ("New York"). */
  province?: string | null
  city?: string | null
}

/** Where a contact's zone came from, in the order they are tried. */
export type TimezoneSource = "contact" | "address" | "store"

/** Lowercase, without accents or punctuation: "Québec" and "quebec" are one province, "St. John's" and "st johns" one city. */
function normalize(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim()
}

type Place = { zone: string; pop: number }
type CountryPlaces = { byProvince: Map<string, Place[]>; byCity: Map<string, (Place & { province: string })[]>; all: Place[] }

let placesByCountry: Map<string, CountryPlaces> | undefined

/** The cities of city-timezones (Natural Earth's populated places), indexed once per process by country, province and city. */
function places(country: string): CountryPlaces | undefined {
  if (!placesByCountry) {
    placesByCountry = new Map()
    for (const city of cityMapping) {
      if (!city.timezone || !isValidTimezone(city.timezone)) {
        continue
      }
      let entry = placesByCountry.get(city.iso2)
      if (!entry) {
        entry = { byProvince: new Map(), byCity: new Map(), all: [] }
        placesByCountry.set(city.iso2, entry)
      }
      const place = { zone: city.timezone, pop: Number(city.pop) || 0 }
      const province = normalize(city.province ?? "")
      entry.all.push(place)
      entry.byProvince.set(province, [...(entry.byProvince.get(province) ?? []), place])
      for (const name of new Set([normalize(city.city ?? ""), normalize(city.city_ascii ?? "")])) {
        if (name) {
          entry.byCity.set(name, [...(entry.byCity.get(name) ?? []), { ...place, province }])
        }
      }
    }
  }
  return placesByCountry.get(country)
}

/** The zone most of these places' people live in. */
function mostPopulousZone(list: Place[]): string | null {
  const people = new Map<string, number>()
  for (const place of list) {
    people.set(place.zone, (people.get(place.zone) ?? 0) + place.pop + 1)
  }
  let best: string | null = null
  for (const [zone, count] of people) {
    if (best === null || count > people.get(best)!) {
      best = zone
    }
  }
  return best
}

/** A province as written in an address ("NY", "US-NY", "New York"), as the normalized name city-timezones uses. */
function provinceName(country: string, province: string): string {
  const subdivisions = (iso3166.country(country)?.sub ?? {}) as Record<string, { name: string }>
  const wanted = normalize(province)
  for (const [code, sub] of Object.entries(subdivisions)) {
    const short = code.slice(country.length + 1)
    if (wanted === normalize(code) || wanted === normalize(short) || wanted === normalize(sub.name)) {
      return normalize(sub.name)
    }
  }
  return wanted
}

/** The zones in use in a country (current ones, without aliases), or none for a code that is no country. */
export function countryZones(countryCode: string | null | undefined): string[] {
  const country = countryCode ? getCountry(countryCode.trim().toUpperCase()) : null
  return (country?.timezones ?? []).filter(isValidTimezone)
}

/**
 * The zone a postal address is in, or null when the address does not tell. A country with one zone gives
 * it. In a country with several, the city (within the province, when one is given) gives its zone, else
 * the province gives the zone most of its people live in. A country with several zones and neither gives
 * null when the store's own zone is one of them (the store's zone is then the best guess), else the zone
 * most of the country's people live in.
 */
export function timezoneFromAddress(address: AddressForZone | null | undefined, storeTimezone?: string | null): string | null {
  const country = address?.country_code?.trim().toUpperCase()
  const zones = countryZones(country)
  if (!country || !zones.length) {
    return null
  }
  if (zones.length === 1) {
    return zones[0]
  }
  const known = places(country)
  const province = address?.province?.trim() ? provinceName(country, address.province) : null
  const city = address?.city?.trim() ? normalize(address.city) : null
  if (known && city) {
    const matches = (known.byCity.get(city) ?? []).filter((place) => !province || place.province === province)
    const zone = mostPopulousZone(matches)
    if (zone) {
      return zone
    }
  }
  if (known && province) {
    const zone = mostPopulousZone(known.byProvince.get(province) ?? [])
    if (zone) {
      return zone
    }
  }
  if (storeTimezone && zones.includes(storeTimezone)) {
    return null
  }
  return (known && mostPopulousZone(known.all)) ?? zones[0]
}

/**
 * The zone a contact's messages are timed in: the zone they gave (a storefront sign-up), else the one of
 * their shipping or billing address (see `timezoneFromAddress`), else the store's. The one place this
 * order is written: quiet hours, `until_time` waits and any prediction of a send time call it.
 */
export function contactTimezone(
  contact: { timezone?: string | null; address_timezone?: string | null } | null | undefined,
  storeTimezone: string
): { timezone: string; source: TimezoneSource } {
  if (contact?.timezone && isValidTimezone(contact.timezone)) {
    return { timezone: contact.timezone, source: "contact" }
  }
  if (contact?.address_timezone && isValidTimezone(contact.address_timezone)) {
    return { timezone: contact.address_timezone, source: "address" }
  }
  return { timezone: storeTimezone, source: "store" }
}
