import { Table } from "@medusajs/ui"
import type { Performance } from "../../modules/flows/analytics"
import { money, percent } from "../lib/format"

export type { Performance }

/** One row per flow, step or variant: counts with their rates against what was sent. */
export function PerformanceTable({ label, rows }: { label: string; rows: (Performance & { key: string; name: string })[] }) {
  return (
    <Table aria-label={label}>
      <Table.Header>
        <Table.Row>
          <Table.HeaderCell>{label}</Table.HeaderCell>
          <Table.HeaderCell className="text-right">Sent</Table.HeaderCell>
          <Table.HeaderCell className="text-right">Delivered</Table.HeaderCell>
          <Table.HeaderCell className="text-right">Opened</Table.HeaderCell>
          <Table.HeaderCell className="text-right">Clicked</Table.HeaderCell>
          <Table.HeaderCell className="text-right">Orders</Table.HeaderCell>
          <Table.HeaderCell className="text-right">Revenue</Table.HeaderCell>
          <Table.HeaderCell className="text-right">Unsubscribed</Table.HeaderCell>
          <Table.HeaderCell className="text-right">Not delivered</Table.HeaderCell>
        </Table.Row>
      </Table.Header>
      <Table.Body>
        {rows.map((row) => (
          <Table.Row key={row.key}>
            <Table.Cell>{row.name}</Table.Cell>
            <Table.Cell className="text-right">{row.sent}</Table.Cell>
            <Table.Cell className="text-right">
              {row.delivered} <span className="text-ui-fg-subtle">({percent(row.delivered, row.sent)})</span>
            </Table.Cell>
            <Table.Cell className="text-right">
              {row.opened} <span className="text-ui-fg-subtle">({percent(row.opened, row.sent)})</span>
            </Table.Cell>
            <Table.Cell className="text-right">
              {row.clicked} <span className="text-ui-fg-subtle">({percent(row.clicked, row.sent)})</span>
            </Table.Cell>
            <Table.Cell className="text-right">
              {row.converted} <span className="text-ui-fg-subtle">({percent(row.converted, row.sent)})</span>
            </Table.Cell>
            <Table.Cell className="text-right">{money(row.revenue)}</Table.Cell>
            <Table.Cell className="text-right">{row.unsubscribed}</Table.Cell>
            <Table.Cell className="text-right">{row.failed}</Table.Cell>
          </Table.Row>
        ))}
      </Table.Body>
    </Table>
  )
}
