import fs from "node:fs"
import path from "node:path"
import Ajv, { type ValidateFunction } from "ajv"
import addFormats from "ajv-formats"

/**
 * A validator for one schema inside a provider's published OpenAPI document, by JSON pointer.
 * Form posts carry every value as text, so types are coerced as the real API coerces them.
 */
export function specValidator(file: string, pointer: string, { coerceTypes = false } = {}): ValidateFunction {
  const spec = JSON.parse(fs.readFileSync(path.join(__dirname, "specs", file), "utf8"))
  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes })
  addFormats(ajv)
  // Formats of the providers' own that have no standard definition.
  for (const format of ["phone-number", "date-time-rfc-2822", "uri-template", "currency"]) {
    ajv.addFormat(format, true)
  }
  ajv.addSchema(spec, file)
  const validate = ajv.getSchema(`${file}#${pointer}`)
  if (!validate) {
    throw new Error(`no schema at ${file}#${pointer}`)
  }
  return validate
}

export function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || "(body)"} ${e.message}`).join("; ")
}
