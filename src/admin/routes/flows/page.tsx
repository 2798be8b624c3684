import { defineRouteConfig } from "@medusajs/admin-sdk"
import { Bolt } from "@medusajs/icons"
import { Badge, Button, Container, DropdownMenu, Heading, Switch, Table, Text, toast } from "@medusajs/ui"
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { Link, useNavigate } from "react-router-dom"
import { Empty, Failed, Loading } from "../../components/states"
import { STATUS_COLOR, money, percent, triggerLabel, type Revenue } from "../../lib/format"
import { api, errorMessage, type Json } from "../../lib/sdk"

type Stats = {
  flow_id: string
  active_runs: number
  sent: number
  opened: number
  clicked: number
  converted: number
  revenue: Revenue[]
}

function CreateFromTemplate() {
  const navigate = useNavigate()
  const templates = useQuery({ queryKey: ["flows", "templates"], queryFn: () => api.get<{ templates: Json[] }>("/admin/flows/templates") })
  const create = useMutation({
    mutationFn: (template: Json) =>
      api.post<{ flow: Json }>("/admin/flows", { name: template.name, description: template.description, definition: template.definition }),
    onSuccess: ({ flow }) => navigate(`/flows/${flow.id}`),
    onError: (error) => toast.error(errorMessage(error)),
  })
  return (
    <DropdownMenu>
      <DropdownMenu.Trigger asChild>
        <Button size="small" variant="secondary" disabled={!templates.data}>
          Create from template
        </Button>
      </DropdownMenu.Trigger>
      <DropdownMenu.Content>
        {templates.data?.templates.map((template) => (
          <DropdownMenu.Item key={template.handle} onClick={() => create.mutate(template)}>
            {template.name}
          </DropdownMenu.Item>
        ))}
      </DropdownMenu.Content>
    </DropdownMenu>
  )
}

function FlowRow({ flow, stats }: { flow: Json; stats?: Stats }) {
  const queryClient = useQueryClient()
  const toggle = useMutation({
    mutationFn: (on: boolean) => api.post(`/admin/flows/${flow.id}/${on ? "activate" : "pause"}`, {}),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["flows"] }),
    onError: (error) => toast.error(errorMessage(error)),
  })
  return (
    <Table.Row>
      <Table.Cell>
        <Link to={`/flows/${flow.id}`} className="text-ui-fg-interactive">
          {flow.name}
        </Link>
      </Table.Cell>
      <Table.Cell>
        <Badge size="2xsmall" color={STATUS_COLOR[flow.status]}>
          {flow.status}
        </Badge>
      </Table.Cell>
      <Table.Cell>{triggerLabel(flow.definition.trigger.event)}</Table.Cell>
      <Table.Cell className="text-right">{stats?.active_runs ?? 0}</Table.Cell>
      <Table.Cell className="text-right">{stats?.sent ?? 0}</Table.Cell>
      <Table.Cell className="text-right">{percent(stats?.opened ?? 0, stats?.sent ?? 0)}</Table.Cell>
      <Table.Cell className="text-right">{percent(stats?.clicked ?? 0, stats?.sent ?? 0)}</Table.Cell>
      <Table.Cell className="text-right">{percent(stats?.converted ?? 0, stats?.sent ?? 0)}</Table.Cell>
      <Table.Cell className="text-right">{money(stats?.revenue)}</Table.Cell>
      <Table.Cell>
        <Switch
          aria-label={`${flow.name} on`}
          checked={flow.status === "active"}
          disabled={toggle.isPending}
          onCheckedChange={(on) => toggle.mutate(on)}
        />
      </Table.Cell>
    </Table.Row>
  )
}

const FlowsPage = () => {
  const flows = useQuery({ queryKey: ["flows", "list"], queryFn: () => api.get<{ flows: Json[] }>("/admin/flows", { limit: 100 }) })
  const stats = useQuery({ queryKey: ["flows", "stats"], queryFn: () => api.get<{ stats: Stats[] }>("/admin/flows/stats") })
  const statsOf = (id: string) => stats.data?.stats.find((s) => s.flow_id === id)
  return (
    <Container className="divide-y p-0">
      <div className="flex items-center justify-between px-6 py-4">
        <div>
          <Heading level="h1">Flows</Heading>
          <Text size="small" className="text-ui-fg-subtle">
            Automated messages and what they earned over the last 30 days: orders placed within the attribution window of a message.
          </Text>
        </div>
        <div className="flex gap-2">
          <Button size="small" variant="transparent" asChild>
            <Link to="/flows/analytics">Analytics</Link>
          </Button>
          <Button size="small" variant="transparent" asChild>
            <Link to="/flows/outbox">Outbox</Link>
          </Button>
          <Button size="small" variant="transparent" asChild>
            <Link to="/flows/settings">Settings</Link>
          </Button>
          <CreateFromTemplate />
        </div>
      </div>
      {flows.isLoading && <Loading what="flows" />}
      {flows.error && <Failed error={flows.error} />}
      {flows.data && !flows.data.flows.length && <Empty>No flows yet. Create one from a template.</Empty>}
      {flows.data && flows.data.flows.length > 0 && (
        <Table>
          <Table.Header>
            <Table.Row>
              <Table.HeaderCell>Name</Table.HeaderCell>
              <Table.HeaderCell>Status</Table.HeaderCell>
              <Table.HeaderCell>Trigger</Table.HeaderCell>
              <Table.HeaderCell className="text-right">Runs in progress</Table.HeaderCell>
              <Table.HeaderCell className="text-right">Sent (30 d)</Table.HeaderCell>
              <Table.HeaderCell className="text-right">Open rate</Table.HeaderCell>
              <Table.HeaderCell className="text-right">Click rate</Table.HeaderCell>
              <Table.HeaderCell className="text-right">Conversion</Table.HeaderCell>
              <Table.HeaderCell className="text-right">Revenue</Table.HeaderCell>
              <Table.HeaderCell>On</Table.HeaderCell>
            </Table.Row>
          </Table.Header>
          <Table.Body>
            {flows.data.flows.map((flow) => (
              <FlowRow key={flow.id} flow={flow} stats={statsOf(flow.id)} />
            ))}
          </Table.Body>
        </Table>
      )}
    </Container>
  )
}

export const config = defineRouteConfig({ label: "Flows", icon: Bolt })

export default FlowsPage
