import type { MedusaRequest } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import {
  describeTemplateIssues,
  TemplateRenderError,
  validateEmailTemplate,
  validateSmsTemplate,
  type EmailTemplate,
  type SmsTemplate,
} from "../../../engine"
import { FLOWS_MODULE } from "../../../modules/flows"
import type FlowsModuleService from "../../../modules/flows/service"

export function flowsService(req: MedusaRequest): FlowsModuleService {
  return req.scope.resolve(FLOWS_MODULE)
}

/** limit/offset from the validated query, everything else as filters. */
export function listArgs(req: MedusaRequest) {
  const { limit, offset, ...filters } = req.validatedQuery as Record<string, unknown>
  return {
    filters: Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)),
    config: { take: limit as number, skip: offset as number, order: { created_at: "DESC" as const } },
    limit: limit as number,
    offset: offset as number,
  }
}

/** Refuses a template that does not parse, with a 400 naming the field, line and column. */
export function refuseInvalidTemplate(template: EmailTemplate | SmsTemplate) {
  const issues = "subject" in template ? validateEmailTemplate(template) : validateSmsTemplate(template)
  if (issues.length) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `Invalid template: ${describeTemplateIssues(issues.map((issue) => ({ ...issue, path: issue.field })))}`
    )
  }
}

/** Awaits a render; a template that fails at run time (a limit, an include) is the caller's 400, not a 500. */
export async function renderedOrRefused<T>(rendering: Promise<T>): Promise<T> {
  try {
    return await rendering
  } catch (error) {
    if (error instanceof TemplateRenderError) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, `The template could not be rendered: ${error.message}`)
    }
    throw error
  }
}
