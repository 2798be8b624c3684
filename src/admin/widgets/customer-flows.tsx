import { defineWidgetConfig } from "@medusajs/admin-sdk"
import type { AdminCustomer, DetailWidgetProps } from "@medusajs/framework/types"
import { Badge, Container, Heading, Select, Text, toast } from "@medusajs/ui"
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { PersonDataActions } from "../components/person-data-actions"
import { NextSend } from "../components/next-send"
import { Empty, Failed, Loading } from "../components/states"
import { STATUS_COLOR, dateTime } from "../lib/format"
import { api, errorMessage, type Json } from "../lib/sdk"
import { CHANNELS } from "../../engine/constants"

type Activity = { contact: Json | null; engagement: Json | null; evidence: Json[]; runs: Json[]; timeline: Json[]; messages: Json[] }

const LEVEL_COLOR: Record<string, "green" | "orange" | "red" | "grey"> = {
  engaged: "green",
  lapsing: "orange",
  unengaged: "red",
  new: "grey",
}

/** The engagement level (human opens, clicks, orders, cart activity; machine opens never count) and the stated channel. */
function EngagementRow({ customerId, data }: { customerId: string; data: Activity }) {
  const queryClient = useQueryClient()
  const prefer = useMutation({
    mutationFn: (value: string) => api.post(`/admin/flows/customers/${customerId}`, { preferred_channel: value === "none" ? null : value }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["flows", "customer", customerId] }),
    onError: (error) => toast.error(errorMessage(error)),
  })
  const level = data.engagement?.level ?? "new"
  const last = data.engagement?.counts?.last_engaged_at
  return (
    <div className="flex flex-col gap-2 px-6 py-4" data-testid="flows-engagement">
      <Text size="small">
        Engagement:{" "}
        <Badge size="2xsmall" color={LEVEL_COLOR[level]}>
          {level}
        </Badge>
        <span className="text-ui-fg-subtle"> · {last ? `last engaged ${dateTime(last)}` : "no engagement yet"}</span>
      </Text>
      <div className="flex items-center gap-2">
        <Text size="small">Preferred channel</Text>
        <Select size="small" value={data.contact?.preferred_channel ?? "none"} onValueChange={(value) => prefer.mutate(value)}>
          <Select.Trigger className="w-40" aria-label="Preferred channel">
            <Select.Value />
          </Select.Trigger>
          <Select.Content>
            <Select.Item value="none">Not stated</Select.Item>
            <Select.Item value="email">Email</Select.Item>
            <Select.Item value="sms">SMS</Select.Item>
          </Select.Content>
        </Select>
      </div>
    </div>
  )
}

/** The timeline merges what the customer did (events) with what they were sent (messages), newest first. */
function timelineOf(data: Activity) {
  const events = data.timeline.filter((e) => !e.type.startsWith("message.")).map((e) => ({ id: e.id, at: e.occurred_at, label: e.type }))
  const messages = data.messages.map((m) => ({
    id: m.id,
    at: m.created_at,
    label: `${m.channel} “${m.subject ?? m.step_id}” ${m.status}${m.error ? `: ${m.error}` : ""}`,
  }))
  return [...events, ...messages].sort((a, b) => b.at.localeCompare(a.at))
}

const CustomerFlowsWidget = ({ data: customer }: DetailWidgetProps<AdminCustomer>) => {
  const activity = useQuery({
    queryKey: ["flows", "customer", customer.id],
    queryFn: () => api.get<Activity>(`/admin/flows/customers/${customer.id}`),
  })
  return (
    <Container className="divide-y p-0" data-flows-widget>
      <div className="px-6 py-4">
        <Heading level="h2">Flows</Heading>
      </div>
      {activity.isLoading && <Loading what="flow activity" />}
      {activity.error && <Failed error={activity.error} />}
      {activity.data && !activity.data.contact && <Empty>No flow activity for this customer yet.</Empty>}
      {activity.data?.contact && (
        <>
          <div className="flex flex-col gap-1 px-6 py-4">
            <Text size="small" weight="plus">
              Consent
            </Text>
            {CHANNELS.map((channel) => {
              const evidence = activity.data.evidence.find((e) => e.channel === channel)
              return (
                <Text key={channel} size="small">
                  {channel === "email" ? "Email" : "SMS"}: <Badge size="2xsmall">{activity.data.contact![`${channel}_consent`]}</Badge>
                  {evidence && (
                    <span className="text-ui-fg-subtle">
                      {" "}
                      · {evidence.source}, {dateTime(evidence.created_at)}, “{evidence.text}”{evidence.ip ? ` from ${evidence.ip}` : ""}
                    </span>
                  )}
                </Text>
              )
            })}
          </div>
          <EngagementRow customerId={customer.id} data={activity.data} />
          <div className="flex flex-col gap-1 px-6 py-4">
            <Text size="small" weight="plus">
              Runs in progress
            </Text>
            {!activity.data.runs.length && (
              <Text size="small" className="text-ui-fg-subtle">
                None.
              </Text>
            )}
            {activity.data.runs.map((run) => (
              <Text key={run.id} size="small">
                <Badge size="2xsmall" color={STATUS_COLOR.active}>
                  {run.step_id ?? "starting"}
                </Badge>{" "}
                next step {dateTime(run.next_run_at)} · <NextSend prediction={run.next_send} />
              </Text>
            ))}
          </div>
          <div className="flex flex-col gap-1 px-6 py-4" data-testid="flows-timeline">
            <Text size="small" weight="plus">
              Timeline
            </Text>
            {timelineOf(activity.data).map((entry) => (
              <Text key={entry.id} size="small">
                <span className="text-ui-fg-subtle">{dateTime(entry.at)}</span> {entry.label}
              </Text>
            ))}
          </div>
        </>
      )}
      {activity.data && <PersonDataActions person={{ customer_id: customer.id, email: customer.email }} />}
    </Container>
  )
}

export const config = defineWidgetConfig({ zone: "customer.details.after" })

export default CustomerFlowsWidget
