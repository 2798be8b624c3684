import { defineMiddlewares, validateAndTransformBody, validateAndTransformQuery } from "@medusajs/framework/http"
import {
  AnalyticsExportQuery,
  AnalyticsQuery,
  CheckCredentialsSchema,
  CreateFlowSchema,
  ErasePersonSchema,
  CustomerPreferenceSchema,
  ListFlowsQuery,
  ListMessagesQuery,
  ListRunsQuery,
  PersonQuery,
  PreviewSchema,
  PromoteVariantSchema,
  RetryMessageSchema,
  SandboxReplySchema,
  TestSendSchema,
  UpdateFlowSchema,
} from "./admin/flows/validators"
import { refuseMalformedInput } from "./refuse-malformed-input"
import { ConsentSchema } from "./store/flows/validators"
import { brandSettingsSchema } from "../engine/email-blocks"

const listConfig = { isList: true, defaults: ["id"] }

export default defineMiddlewares({
  routes: [
    // Every route of the plugin, first (a middleware without a method matches the path's prefix and runs
    // before those with one). No parameter or wildcard: Express would fail to decode a malformed path
    // with a 500 before this could refuse it.
    ...["/admin/flows", "/store/flows", "/flows", "/hooks/flows"].map((matcher) => ({ matcher, middlewares: [refuseMalformedInput] })),
    { matcher: "/admin/flows", method: "GET", middlewares: [validateAndTransformQuery(ListFlowsQuery, listConfig)] },
    { matcher: "/admin/flows", method: "POST", middlewares: [validateAndTransformBody(CreateFlowSchema)] },
    { matcher: "/admin/flows/runs", method: "GET", middlewares: [validateAndTransformQuery(ListRunsQuery, listConfig)] },
    { matcher: "/admin/flows/messages", method: "GET", middlewares: [validateAndTransformQuery(ListMessagesQuery, listConfig)] },
    { matcher: "/admin/flows/messages/:id/retry", method: "POST", middlewares: [validateAndTransformBody(RetryMessageSchema)] },
    { matcher: "/admin/flows/people/export", method: "GET", middlewares: [validateAndTransformQuery(PersonQuery, {})] },
    { matcher: "/admin/flows/people/erase", method: "POST", middlewares: [validateAndTransformBody(ErasePersonSchema)] },
    { matcher: "/admin/flows/analytics", method: "GET", middlewares: [validateAndTransformQuery(AnalyticsQuery, {})] },
    {
      matcher: "/admin/flows/analytics/export",
      method: "GET",
      middlewares: [validateAndTransformQuery(AnalyticsExportQuery, {})],
    },
    {
      matcher: "/admin/flows/settings/check-credentials",
      method: "POST",
      middlewares: [validateAndTransformBody(CheckCredentialsSchema)],
    },
    { matcher: "/admin/flows/preview", method: "POST", middlewares: [validateAndTransformBody(PreviewSchema)] },
    { matcher: "/admin/flows/settings/brand", method: "POST", middlewares: [validateAndTransformBody(brandSettingsSchema)] },
    { matcher: "/admin/flows/sandbox/replies", method: "POST", middlewares: [validateAndTransformBody(SandboxReplySchema)] },
    {
      matcher: "/admin/flows/customers/:customer_id",
      method: "POST",
      middlewares: [validateAndTransformBody(CustomerPreferenceSchema)],
    },
    { matcher: "/admin/flows/:id", method: "POST", middlewares: [validateAndTransformBody(UpdateFlowSchema)] },
    { matcher: "/admin/flows/:id/experiments", method: "GET", middlewares: [validateAndTransformQuery(AnalyticsQuery, {})] },
    {
      matcher: "/admin/flows/:id/splits/:split_id/promote",
      method: "POST",
      middlewares: [validateAndTransformBody(PromoteVariantSchema)],
    },
    {
      matcher: "/admin/flows/:id/steps/:step_id/send-test",
      method: "POST",
      middlewares: [validateAndTransformBody(TestSendSchema)],
    },
    { matcher: "/store/flows/consent", method: "POST", middlewares: [validateAndTransformBody(ConsentSchema)] },
    // One-click unsubscribe posts come form-encoded from mail clients.
    { matcher: "/flows/unsubscribe", method: "POST", bodyParser: { sizeLimit: "10kb" } },
    { matcher: "/flows/confirm-email", method: "POST", bodyParser: { sizeLimit: "10kb" } },
    // Provider webhooks are verified over the exact bytes received.
    { matcher: "/hooks/flows/*", method: "POST", bodyParser: { preserveRawBody: true } },
  ],
})
