// The package ships no types; only what src/engine/timezones.ts reads of it.
declare module "iso-3166-2" {
  type Subdivision = { type: string; name: string }
  const iso3166: {
    country(code: string): { name: string; sub: Record<string, Subdivision> } | null
  }
  export default iso3166
}
