import { Badge, Button, Container, Drawer, Heading, Input, Select, Table, Text, toast, usePrompt } from "@medusajs/ui"
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { useState } from "react"
import { Link } from "react-router-dom"
import { Empty, Failed, Loading } from "../../../components/states"
import { STATUS_COLOR, dateTime } from "../../../lib/format"
import { api, errorMessage, type Json } from "../../../lib/sdk"
import { CHANNELS, MESSAGE_STATUSES, type ChannelName } from "../../../../engine/constants"

const ANY = "any"
const CHANNEL_TEXT: Record<ChannelName, string> = { email: "Email", sms: "SMS" }

function FilterSelect({
  label,
  value,
  options,
  onChange,
}: {
  label: string
  value: string
  options: [string, string][]
  onChange: (v: string) => void
}) {
  return (
    <Select size="small" value={value} onValueChange={onChange}>
      <Select.Trigger style={{ width: 176 }} aria-label={label}>
        <Select.Value />
      </Select.Trigger>
      <Select.Content>
        <Select.Item value={ANY}>{`Any ${label.toLowerCase()}`}</Select.Item>
        {options.map(([v, text]) => (
          <Select.Item key={v} value={v}>
            {text}
          </Select.Item>
        ))}
      </Select.Content>
    </Select>
  )
}

/**
 * Queued, then what the provider reported, oldest first. A test send or a guest's message has no timeline
 * entries of its own, and the sandbox reports nothing, so the hand-off and the sandbox's delivery come from
 * the message itself.
 */
function DeliveryTimeline({ message, events }: { message: Json; events: Json[] }) {
  const reported = (suffix: string) => events.some((e) => e.type.endsWith(suffix))
  const handedOff = message.sent_at && !reported(".sent") ? [{ id: "sent", type: "sent", occurred_at: message.sent_at, data: null }] : []
  const sandboxDelivery =
    message.sent_at && message.provider === "sandbox" && !reported(".delivered")
      ? [{ id: "delivered", type: "delivered (sandbox)", occurred_at: message.sent_at, data: null }]
      : []
  const steps = [{ id: "queued", type: "queued", occurred_at: message.created_at, data: null }, ...handedOff, ...sandboxDelivery, ...events]
  return (
    <ol aria-label="Delivery timeline" className="flex flex-col gap-1">
      {steps.map((event) => (
        <li key={event.id} className="flex gap-3">
          <Text size="xsmall" className="text-ui-fg-subtle shrink-0" style={{ width: 160 }}>
            {dateTime(event.occurred_at)}
          </Text>
          <Text size="xsmall">
            {event.type.replace(/^(email|sms)\./, "")}
            {event.data?.reason ? ` – ${event.data.reason}` : ""}
            {event.data?.error_code ? ` – error ${event.data.error_code}` : ""}
          </Text>
        </li>
      ))}
    </ol>
  )
}

function MessageDetail({ id, onClose }: { id: string | null; onClose: () => void }) {
  const queryClient = useQueryClient()
  const detail = useQuery({
    queryKey: ["flows", "message", id],
    queryFn: () => api.get<{ message: Json; events: Json[] }>(`/admin/flows/messages/${id}`),
    enabled: Boolean(id),
  })
  const prompt = usePrompt()
  const retry = useMutation({
    mutationFn: (body: { confirm_duplicate_risk?: boolean }) => api.post<{ message: Json }>(`/admin/flows/messages/${id}/retry`, body),
    onSuccess: ({ message }) => {
      toast.success(`Retried: ${message.status}`)
      void queryClient.invalidateQueries({ queryKey: ["flows"] })
    },
    onError: (error) => toast.error(errorMessage(error)),
  })
  const message = detail.data?.message
  // An uncertain message may already have reached the person: sending it again needs the owner's word.
  const retryMessage = async () => {
    if (message?.status !== "uncertain") {
      return retry.mutate({})
    }
    const confirmed = await prompt({
      title: "Send it again?",
      description:
        "The provider did not answer, so this message may already have been delivered. Sending it again may reach the person twice.",
      confirmText: "Send again",
      cancelText: "Cancel",
    })
    if (confirmed) {
      retry.mutate({ confirm_duplicate_risk: true })
    }
  }
  return (
    <Drawer open={Boolean(id)} onOpenChange={(open) => !open && onClose()}>
      <Drawer.Content>
        <Drawer.Header>
          <Drawer.Title>{message ? (message.subject ?? `Text to ${message.to}`) : "Message"}</Drawer.Title>
        </Drawer.Header>
        <Drawer.Body className="flex flex-col gap-3 overflow-y-auto">
          {detail.isLoading && <Loading what="the message" />}
          {detail.error && <Failed error={detail.error} />}
          {message && (
            <>
              <Text size="small">
                To {message.to} · {message.channel} via {message.provider} · {message.attempts} attempt(s)
              </Text>
              <div className="flex items-center gap-2">
                <Badge size="2xsmall" color={STATUS_COLOR[message.status]}>
                  {message.status}
                </Badge>
                <Text size="small" className="text-ui-fg-subtle">
                  updated {dateTime(message.updated_at)}
                </Text>
                {(message.status === "failed" || message.status === "uncertain") && message.run_id && (
                  <Button size="small" variant="secondary" isLoading={retry.isPending} onClick={retryMessage}>
                    Retry
                  </Button>
                )}
              </div>
              {message.error && (
                <Text size="small" className="text-ui-fg-error">
                  {message.error_code ? `${message.error_code}: ` : ""}
                  {message.error}
                </Text>
              )}
              <DeliveryTimeline message={message} events={detail.data!.events} />
              <Text size="xsmall" className="text-ui-fg-subtle font-mono">
                {message.idempotency_key}
              </Text>
              {message.html && (
                <iframe
                  title="Message as sent"
                  sandbox=""
                  className="w-full rounded-lg border"
                  style={{ height: 480 }}
                  srcDoc={message.html}
                />
              )}
              {message.text && (
                <pre className="bg-ui-bg-subtle whitespace-pre-wrap rounded-lg p-3 text-xs" style={{ overflowWrap: "anywhere" }}>
                  {message.text}
                </pre>
              )}
            </>
          )}
        </Drawer.Body>
      </Drawer.Content>
    </Drawer>
  )
}

const OutboxPage = () => {
  const [channel, setChannel] = useState(ANY)
  const [status, setStatus] = useState(ANY)
  const [flowId, setFlowId] = useState(ANY)
  const [to, setTo] = useState("")
  const [open, setOpen] = useState<string | null>(null)
  const flows = useQuery({ queryKey: ["flows", "list"], queryFn: () => api.get<{ flows: Json[] }>("/admin/flows", { limit: 100 }) })
  const filters = {
    limit: 50,
    ...(channel !== ANY && { channel }),
    ...(status !== ANY && { status }),
    ...(flowId !== ANY && { flow_id: flowId }),
    ...(to.trim() && { to: to.trim() }),
  }
  const messages = useQuery({
    queryKey: ["flows", "messages", filters],
    queryFn: () => api.get<{ messages: Json[]; count: number }>("/admin/flows/messages", filters),
    refetchInterval: 5000,
  })
  const flowName = (id: string) => flows.data?.flows.find((f) => f.id === id)?.name ?? id

  return (
    <Container className="divide-y p-0">
      <div className="flex flex-col gap-3 px-6 py-4">
        <div>
          <Link to="/flows" className="text-ui-fg-subtle text-sm">
            ← Flows
          </Link>
          <Heading level="h1">Outbox</Heading>
          <Text size="small" className="text-ui-fg-subtle">
            Every message the flows sent, skipped or are sending, newest first.
          </Text>
        </div>
        <div className="flex flex-wrap gap-2">
          <FilterSelect label="Flow" value={flowId} onChange={setFlowId} options={(flows.data?.flows ?? []).map((f) => [f.id, f.name])} />
          <FilterSelect label="Channel" value={channel} onChange={setChannel} options={CHANNELS.map((c) => [c, CHANNEL_TEXT[c]])} />
          <FilterSelect label="Status" value={status} onChange={setStatus} options={MESSAGE_STATUSES.map((s) => [s, s])} />
          <Input
            size="small"
            style={{ width: 256 }}
            aria-label="Recipient"
            placeholder="Recipient (exact address or number)"
            value={to}
            onChange={(e) => setTo(e.target.value)}
          />
        </div>
      </div>
      {messages.isLoading && <Loading what="messages" />}
      {messages.error && <Failed error={messages.error} />}
      {messages.data && !messages.data.messages.length && <Empty>No messages match.</Empty>}
      {messages.data && messages.data.messages.length > 0 && (
        <Table>
          <Table.Header>
            <Table.Row>
              <Table.HeaderCell>When</Table.HeaderCell>
              <Table.HeaderCell>To</Table.HeaderCell>
              <Table.HeaderCell>Message</Table.HeaderCell>
              <Table.HeaderCell>Flow</Table.HeaderCell>
              <Table.HeaderCell>Status</Table.HeaderCell>
            </Table.Row>
          </Table.Header>
          <Table.Body>
            {messages.data.messages.map((message) => (
              <Table.Row
                key={message.id}
                className="cursor-pointer"
                tabIndex={0}
                onClick={() => setOpen(message.id)}
                onKeyDown={(e) => e.key === "Enter" && setOpen(message.id)}
              >
                <Table.Cell>{dateTime(message.created_at)}</Table.Cell>
                <Table.Cell>{message.to}</Table.Cell>
                <Table.Cell className="truncate" style={{ maxWidth: 320 }}>
                  {message.channel === "sms" ? message.text : message.subject}
                </Table.Cell>
                <Table.Cell>{flowName(message.flow_id)}</Table.Cell>
                <Table.Cell>
                  <Badge size="2xsmall" color={STATUS_COLOR[message.status]}>
                    {message.status}
                  </Badge>
                </Table.Cell>
              </Table.Row>
            ))}
          </Table.Body>
        </Table>
      )}
      <MessageDetail id={open} onClose={() => setOpen(null)} />
    </Container>
  )
}

export default OutboxPage
