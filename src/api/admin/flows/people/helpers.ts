import type { PersonKey } from "../../../../modules/flows/actions/privacy"
import type { PersonKeyInput } from "../validators"

/** The validated keys as the module takes them, without the ones not given. */
export function personKeyOf(input: PersonKeyInput): PersonKey {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value)) as PersonKey
}
