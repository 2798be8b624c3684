import { Button, Container, Heading, Input, Label, Select, Text } from "@medusajs/ui"
import { useQuery } from "@tanstack/react-query"
import { useState } from "react"
import { Link } from "react-router-dom"
import { DailyChart } from "../../../components/daily-chart"
import { ExperimentsPanel } from "../../../components/experiments-panel"
import { PerformanceTable, type Performance } from "../../../components/performance-table"
import { Empty, Failed, Loading } from "../../../components/states"
import { money, percent } from "../../../lib/format"
import { api, type Json } from "../../../lib/sdk"

const ALL = "all"
const DAY_MS = 86_400_000

type Report = {
  totals: Performance
  flows: (Performance & { flow_id: string; name: string | null })[]
  steps: (Performance & { flow_id: string; step_id: string | null })[]
  variants: { flow_id: string; split_id: string; variants: (Performance & { key: string; weight: number })[] }[]
  daily: { day: string; sent: number; opened: number; clicked: number; converted: number }[]
}

const isoDay = (date: Date) => date.toISOString().slice(0, 10)

/** Every day from `from` to `to`, with the report's numbers where it has them and zeros elsewhere. */
function everyDay(from: string, to: string, daily: Report["daily"]): Report["daily"] {
  const days: Report["daily"] = []
  for (let t = new Date(from).getTime(); t <= new Date(to).getTime(); t += DAY_MS) {
    const day = isoDay(new Date(t))
    days.push(daily.find((d) => d.day === day) ?? { day, sent: 0, opened: 0, clicked: 0, converted: 0 })
  }
  return days
}

function Totals({ totals }: { totals: Performance }) {
  const cards = [
    ["Sent", String(totals.sent)],
    ["Open rate", percent(totals.opened, totals.sent)],
    ["Click rate", percent(totals.clicked, totals.sent)],
    ["Orders", String(totals.converted)],
    ["Revenue", money(totals.revenue)],
    ["Unsubscribed", String(totals.unsubscribed)],
  ]
  return (
    <dl className="grid grid-cols-3 gap-4 px-6 py-4 lg:grid-cols-6">
      {cards.map(([label, value]) => (
        <div key={label}>
          <dt>
            <Text size="xsmall" className="text-ui-fg-subtle">
              {label}
            </Text>
          </dt>
          <dd>
            <Text size="large" weight="plus">
              {value}
            </Text>
          </dd>
        </div>
      ))}
    </dl>
  )
}

function Variants({ splits }: { splits: Report["variants"] }) {
  if (!splits.length) {
    return null
  }
  return (
    <div className="flex flex-col gap-2 px-6 py-4">
      <Heading level="h2">A/B tests</Heading>
      {splits.map((split) => (
        <div key={`${split.flow_id}:${split.split_id}`} data-split-id={split.split_id}>
          <Text size="small" className="text-ui-fg-subtle">
            Split “{split.split_id}”: each variant’s steps, side by side
          </Text>
          <PerformanceTable
            label="Variant"
            rows={split.variants.map((v) => ({ ...v, key: v.key, name: `${v.key} (weight ${v.weight})` }))}
          />
        </div>
      ))}
    </div>
  )
}

const AnalyticsPage = () => {
  const [from, setFrom] = useState(isoDay(new Date(Date.now() - 29 * DAY_MS)))
  const [to, setTo] = useState(isoDay(new Date()))
  const [flowId, setFlowId] = useState(ALL)
  const flows = useQuery({ queryKey: ["flows", "list"], queryFn: () => api.get<{ flows: Json[] }>("/admin/flows", { limit: 100 }) })
  // `to` is the last day shown, so the period ends at the start of the day after it.
  const query = {
    from,
    to: isoDay(new Date(new Date(to).getTime() + DAY_MS)),
    ...(flowId !== ALL && { flow_id: flowId }),
  }
  const days = (new Date(query.to).getTime() - new Date(from).getTime()) / DAY_MS
  // The API refuses these too; saying so here spares a request that can only fail.
  const invalidPeriod =
    !from || !to
      ? "Choose both dates."
      : days < 1
        ? "From must be on or before To."
        : days > 366
          ? "Choose a period of at most 366 days."
          : null
  const report = useQuery({
    queryKey: ["flows", "analytics", query],
    queryFn: () => api.get<Report>("/admin/flows/analytics", query),
    enabled: !invalidPeriod,
  })
  const stepRows = (report.data?.steps ?? [])
    .filter((s) => flowId !== ALL && s.step_id)
    .map((s) => ({ ...s, key: s.step_id!, name: s.step_id! }))

  return (
    <Container className="divide-y p-0">
      <div className="flex flex-col gap-3 px-6 py-4">
        <div>
          <Link to="/flows" className="text-ui-fg-subtle text-sm">
            ← Flows
          </Link>
          <Heading level="h1">Flow analytics</Heading>
          <Text size="small" className="text-ui-fg-subtle">
            Orders are credited to the last message that reached the buyer within the attribution window, a click first.
          </Text>
        </div>
        <div className="flex flex-wrap items-end gap-3">
          <div className="flex flex-col gap-1">
            <Label htmlFor="analytics-from" size="xsmall">
              From
            </Label>
            <Input id="analytics-from" size="small" type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
          </div>
          <div className="flex flex-col gap-1">
            <Label htmlFor="analytics-to" size="xsmall">
              To
            </Label>
            <Input id="analytics-to" size="small" type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} />
          </div>
          <Select size="small" value={flowId} onValueChange={setFlowId}>
            <Select.Trigger style={{ width: 224 }} aria-label="Flow">
              <Select.Value />
            </Select.Trigger>
            <Select.Content>
              <Select.Item value={ALL}>All flows</Select.Item>
              {(flows.data?.flows ?? []).map((f) => (
                <Select.Item key={f.id} value={f.id}>
                  {f.name}
                </Select.Item>
              ))}
            </Select.Content>
          </Select>
          {!invalidPeriod &&
            (["flow", "step"] as const).map((level) => (
              <Button key={level} size="small" variant="secondary" asChild>
                <a href={`/admin/flows/analytics/export?${new URLSearchParams({ ...query, level })}`} download>
                  Download CSV per {level}
                </a>
              </Button>
            ))}
        </div>
      </div>
      {invalidPeriod && <Failed error={new Error(invalidPeriod)} />}
      {!invalidPeriod && report.isLoading && <Loading what="analytics" />}
      {report.error && <Failed error={report.error} />}
      {!invalidPeriod && report.data && !report.data.flows.length && <Empty>No messages in this period.</Empty>}
      {!invalidPeriod && report.data && report.data.flows.length > 0 && (
        <>
          <Totals totals={report.data.totals} />
          <div className="px-6 py-4">
            <DailyChart days={everyDay(from, to, report.data.daily)} />
          </div>
          <PerformanceTable label="Flow" rows={report.data.flows.map((f) => ({ ...f, key: f.flow_id, name: f.name ?? f.flow_id }))} />
          {stepRows.length > 0 && <PerformanceTable label="Step" rows={stepRows} />}
          <Variants splits={report.data.variants.filter((v) => flowId === ALL || v.flow_id === flowId)} />
        </>
      )}
      {!invalidPeriod && flowId !== ALL && <ExperimentsPanel flowId={flowId} from={query.from} to={query.to} />}
    </Container>
  )
}

export default AnalyticsPage
