import { Badge, Container, Drawer, Heading, Input, Select, Table, Text } from "@medusajs/ui"
import { useQuery } from "@tanstack/react-query"
import { useState } from "react"
import { Link } from "react-router-dom"
import { Empty, Failed, Loading } from "../../../components/states"
import { STATUS_COLOR, dateTime } from "../../../lib/format"
import { api, type Json } from "../../../lib/sdk"

const ANY = "any"
const STATUSES = ["sending", "retrying", "sent", "delivered", "opened", "clicked", "skipped", "failed", "bounced", "dropped", "undelivered"]

function FilterSelect({ label, value, options, onChange }: { label: string; value: string; options: [string, string][]; onChange: (v: string) => void }) {
  return (
    <Select size="small" value={value} onValueChange={onChange}>
      <Select.Trigger className="w-44" aria-label={label}><Select.Value /></Select.Trigger>
      <Select.Content>
        <Select.Item value={ANY}>{`Any ${label.toLowerCase()}`}</Select.Item>
        {options.map(([v, text]) => <Select.Item key={v} value={v}>{text}</Select.Item>)}
      </Select.Content>
    </Select>
  )
}

function MessageDetail({ message, onClose }: { message: Json | null; onClose: () => void }) {
  return (
    <Drawer open={Boolean(message)} onOpenChange={(open) => !open && onClose()}>
      <Drawer.Content>
        <Drawer.Header><Drawer.Title>{message?.subject ?? `Text to ${message?.to}`}</Drawer.Title></Drawer.Header>
        <Drawer.Body className="flex flex-col gap-3 overflow-y-auto">
          {message && (
            <>
              <Text size="small">To {message.to} · {message.channel} via {message.provider} · {message.attempts} attempt(s)</Text>
              <div className="flex items-center gap-2">
                <Badge size="2xsmall" color={STATUS_COLOR[message.status]}>{message.status}</Badge>
                <Text size="small" className="text-ui-fg-subtle">updated {dateTime(message.updated_at)}</Text>
              </div>
              {message.error && <Text size="small" className="text-ui-fg-error">{message.error_code ? `${message.error_code}: ` : ""}{message.error}</Text>}
              <Text size="xsmall" className="text-ui-fg-subtle font-mono">{message.idempotency_key}</Text>
              {message.html && <iframe title="Message as sent" sandbox="" className="h-[480px] w-full rounded-lg border" srcDoc={message.html} />}
              {message.text && <pre className="bg-ui-bg-subtle whitespace-pre-wrap rounded-lg p-3 text-xs">{message.text}</pre>}
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
  const [open, setOpen] = useState<Json | null>(null)
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
          <Link to="/flows" className="text-ui-fg-subtle text-sm hover:underline">← Flows</Link>
          <Heading level="h1">Outbox</Heading>
          <Text size="small" className="text-ui-fg-subtle">Every message the flows sent, skipped or are sending, newest first.</Text>
        </div>
        <div className="flex flex-wrap gap-2">
          <FilterSelect label="Flow" value={flowId} onChange={setFlowId} options={(flows.data?.flows ?? []).map((f) => [f.id, f.name])} />
          <FilterSelect label="Channel" value={channel} onChange={setChannel} options={[["email", "Email"], ["sms", "SMS"]]} />
          <FilterSelect label="Status" value={status} onChange={setStatus} options={STATUSES.map((s) => [s, s])} />
          <Input size="small" className="w-64" aria-label="Recipient" placeholder="Recipient (exact address or number)" value={to} onChange={(e) => setTo(e.target.value)} />
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
                onClick={() => setOpen(message)}
                onKeyDown={(e) => e.key === "Enter" && setOpen(message)}
              >
                <Table.Cell>{dateTime(message.created_at)}</Table.Cell>
                <Table.Cell>{message.to}</Table.Cell>
                <Table.Cell className="max-w-xs truncate">{message.channel === "sms" ? message.text : message.subject}</Table.Cell>
                <Table.Cell>{flowName(message.flow_id)}</Table.Cell>
                <Table.Cell><Badge size="2xsmall" color={STATUS_COLOR[message.status]}>{message.status}</Badge></Table.Cell>
              </Table.Row>
            ))}
          </Table.Body>
        </Table>
      )}
      <MessageDetail message={open} onClose={() => setOpen(null)} />
    </Container>
  )
}

export default OutboxPage
