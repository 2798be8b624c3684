import type { FlowDefinition } from "../../../engine"
import { abandonedCart } from "./abandoned-cart"
import { postPurchase } from "./post-purchase"
import { reviewRequest } from "./review-request"
import { welcome } from "./welcome"
import { winBack } from "./win-back"

/** `priority`: how the flow ranks when its messages compete with another flow's (an abandoned cart outranks a welcome). */
export type BuiltInFlow = { handle: string; name: string; description: string; priority: number; definition: FlowDefinition }

/** The flows every store gets on first start: ordinary, editable flows, inactive until switched on. */
export const BUILT_IN_FLOWS: BuiltInFlow[] = [abandonedCart, welcome, postPurchase, reviewRequest, winBack]
