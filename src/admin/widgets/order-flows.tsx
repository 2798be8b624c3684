import { defineWidgetConfig } from "@medusajs/admin-sdk"
import type { AdminOrder, DetailWidgetProps } from "@medusajs/framework/types"
import { Badge, Container, Heading, Text } from "@medusajs/ui"
import { useQuery } from "@tanstack/react-query"
import { Link } from "react-router-dom"
import { Empty, Failed, Loading } from "../components/states"
import { STATUS_COLOR, dateTime, money } from "../lib/format"
import { api, type Json } from "../lib/sdk"

type Activity = { attribution: Json | null; messages: Json[] }

const OrderFlowsWidget = ({ data: order }: DetailWidgetProps<AdminOrder>) => {
  const activity = useQuery({
    queryKey: ["flows", "order", order.id],
    queryFn: () => api.get<Activity>(`/admin/flows/orders/${order.id}`),
  })
  const credited = activity.data?.attribution
  return (
    <Container className="divide-y p-0" data-flows-widget>
      <div className="px-6 py-4">
        <Heading level="h2">Flows</Heading>
      </div>
      {activity.isLoading && <Loading what="flow activity" />}
      {activity.error && <Failed error={activity.error} />}
      {activity.data && (
        <>
          <div className="px-6 py-4" data-testid="flows-attribution">
            {credited ? (
              <Text size="small">
                Credited to{" "}
                <Link className="text-ui-fg-interactive" to={`/flows/${credited.flow_id}`}>
                  {credited.flow_name}
                </Link>{" "}
                – {credited.channel} “{credited.subject ?? credited.step_id}” sent {dateTime(credited.sent_at)}
                {credited.touch === "click" ? ", clicked" : ""} ·{" "}
                {money([{ currency_code: credited.currency_code, amount: credited.amount }])}
              </Text>
            ) : (
              <Text size="small" className="text-ui-fg-subtle">
                Not credited to a flow: no message reached this buyer within the attribution window.
              </Text>
            )}
          </div>
          {activity.data.messages.length === 0 ? (
            <Empty>No post-purchase messages yet.</Empty>
          ) : (
            <ul className="flex flex-col gap-2 px-6 py-4" aria-label="Post-purchase messages">
              {activity.data.messages.map((m) => (
                <li key={m.id} className="flex items-center justify-between gap-2">
                  <Text size="small">
                    {m.flow_name}: {m.channel} “{m.subject ?? m.step_id}” · {dateTime(m.sent_at ?? m.created_at)}
                  </Text>
                  <Badge size="2xsmall" color={STATUS_COLOR[m.status]}>
                    {m.status}
                  </Badge>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Container>
  )
}

export const config = defineWidgetConfig({ zone: "order.details.side.after" })

export default OrderFlowsWidget
