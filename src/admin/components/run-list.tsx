import { Badge, Heading, Table, Text } from "@medusajs/ui"
import { useQuery } from "@tanstack/react-query"
import { STATUS_COLOR } from "../lib/format"
import { api, type Json } from "../lib/sdk"
import { NextSend } from "./next-send"
import { Empty, Failed, Loading } from "./states"

/** A flow's runs in progress, each with the time its next message will really go. */
export function RunList({ flowId }: { flowId: string }) {
  const runs = useQuery({
    queryKey: ["flows", "runs", flowId],
    queryFn: () => api.get<{ runs: Json[]; count: number }>("/admin/flows/runs", { flow_id: flowId, status: "active", limit: 50 }),
  })
  return (
    <div className="flex flex-col gap-2" data-testid="flow-runs">
      <Heading level="h2">Runs in progress{runs.data ? ` (${runs.data.count})` : ""}</Heading>
      {runs.isLoading && <Loading what="runs" />}
      {runs.error && <Failed error={runs.error} />}
      {runs.data && !runs.data.runs.length && <Empty>No runs in progress.</Empty>}
      {runs.data && runs.data.runs.length > 0 && (
        <Table>
          <Table.Header>
            <Table.Row>
              <Table.HeaderCell>Person</Table.HeaderCell>
              <Table.HeaderCell>Step</Table.HeaderCell>
              <Table.HeaderCell>Next message really goes</Table.HeaderCell>
            </Table.Row>
          </Table.Header>
          <Table.Body>
            {runs.data.runs.map((run) => (
              <Table.Row key={run.id}>
                <Table.Cell>{run.email ?? run.phone ?? run.subject_id}</Table.Cell>
                <Table.Cell>
                  <Badge size="2xsmall" color={STATUS_COLOR.active}>
                    {run.step_id ?? "starting"}
                  </Badge>
                </Table.Cell>
                <Table.Cell>
                  <NextSend prediction={run.next_send} />
                </Table.Cell>
              </Table.Row>
            ))}
          </Table.Body>
        </Table>
      )}
      {runs.data && runs.data.count > runs.data.runs.length && (
        <Text size="small" className="text-ui-fg-subtle">
          The newest {runs.data.runs.length} are shown.
        </Text>
      )}
    </div>
  )
}
