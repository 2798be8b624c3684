import type { Context } from "@medusajs/framework/types"
import type { ClosableChannel } from "../channels"
import type { PluginOptions } from "../options"
import type FlowsModuleService from "../service"
import type { Database } from "../sql/database"
import type { ChannelName } from "../../../engine/constants"

/**
 * What the module's actions work with. `db` is bound to the caller's transaction when there is one;
 * `service` gives them the generated CRUD (retrieveFlow, listFlows, ...), called with `shared` so its
 * reads see that transaction's writes.
 */
export type ModuleContext = {
  db: Database
  options: PluginOptions
  channels: Record<ChannelName, ClosableChannel>
  service: FlowsModuleService
  shared: Context
}
