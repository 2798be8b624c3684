import type { MedusaRequest } from "@medusajs/framework/http"
import { FLOWS_MODULE } from "../../../modules/flows"
import type FlowsModuleService from "../../../modules/flows/service"

export function flowsService(req: MedusaRequest): FlowsModuleService {
  return req.scope.resolve(FLOWS_MODULE)
}

/** limit/offset from the validated query, everything else as filters. */
export function listArgs(req: MedusaRequest) {
  const { limit, offset, ...filters } = req.validatedQuery as Record<string, any>
  return {
    filters: Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)),
    config: { take: limit as number, skip: offset as number, order: { created_at: "DESC" as const } },
    limit: limit as number,
    offset: offset as number,
  }
}
