import { Module } from "@medusajs/framework/utils"
import { validateOptionsLoader } from "./loaders/validate-options"
import FlowsModuleService from "./service"

export const FLOWS_MODULE = "medusaPluginFlows"

export default Module(FLOWS_MODULE, {
  service: FlowsModuleService,
  loaders: [validateOptionsLoader],
})

export type { FlowsModuleService }
