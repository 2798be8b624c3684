import type { PersonKey } from "../../../../modules/flows/actions/privacy"
import type { PersonKeyInput } from "../validators"

/** The validated key as the module takes it: exactly one of customer id, email or phone. */
export function personKeyOf(input: PersonKeyInput): PersonKey {
  if (input.customer_id) {
    return { customer_id: input.customer_id }
  }
  if (input.email) {
    return { email: input.email }
  }
  return { phone: input.phone!, ...(input.country_code ? { country_code: input.country_code } : {}) }
}
