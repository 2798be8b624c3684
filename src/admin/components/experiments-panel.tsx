import { Badge, Button, Heading, Input, Label, Switch, Table, Text, toast } from "@medusajs/ui"
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { useEffect, useState } from "react"
import { api, errorMessage, type Json } from "../lib/sdk"
import { Failed, Loading } from "./states"

type Interval = { estimate: number; low: number; high: number }
type Variant = {
  key: string
  weight: number
  recipients: number
  converted: number
  conversion_rate: number
  probability_best: number
  revenue: { currency_code: string; total: number; per_recipient: number; probability_best: number | null }[]
}
type Split = { split_id: string; winner: string | null; promotion: Json | null; variants: Variant[] }
type Holdout = {
  percent: number | null
  enough_data: boolean
  message: string | null
  treated: { entrants: number; converted: number; conversion_rate: number }
  holdout: { entrants: number; converted: number; conversion_rate: number }
  conversion: { difference: Interval; relative_lift: number | null; incremental_orders: Interval } | null
  revenue: {
    currency_code: string
    treated_per_entrant: number
    holdout_per_entrant: number
    difference: Interval
    incremental_revenue: Interval
  }[]
}
type Experiments = {
  auto_promote: { enabled: boolean; min_recipients: number; probability: number }
  splits: Split[]
  holdout: Holdout | null
  promotions: { id: string; version: number; created_by: string | null; change: Json; created_at: string }[]
}

const pct = (value: number, digits = 1) => `${(value * 100).toFixed(digits)}%`
const points = (i: Interval) => `${(i.estimate * 100).toFixed(1)} pts (95%: ${(i.low * 100).toFixed(1)} to ${(i.high * 100).toFixed(1)})`
const cash = (amount: number, currency: string) =>
  new Intl.NumberFormat(undefined, { style: "currency", currency: currency.toUpperCase() }).format(amount)

function SplitTable({ flowId, split }: { flowId: string; split: Split }) {
  const client = useQueryClient()
  const promote = useMutation({
    mutationFn: (variant: string) => api.post(`/admin/flows/${flowId}/splits/${split.split_id}/promote`, { variant }),
    onSuccess: () => {
      toast.success("Winner promoted as a new version")
      void client.invalidateQueries({ queryKey: ["flows"] })
    },
    onError: (error) => toast.error(errorMessage(error)),
  })
  const currencies = [...new Set(split.variants.flatMap((v) => v.revenue.map((r) => r.currency_code)))]
  return (
    <div className="flex flex-col gap-2" data-experiment-split={split.split_id}>
      <Text size="small" weight="plus">
        Split “{split.split_id}” {split.winner && <Badge color="green">Winner: {split.winner}</Badge>}
      </Text>
      {!split.winner && split.promotion && (
        <Text size="xsmall" className="text-ui-fg-subtle">
          {split.promotion.promote
            ? `Variant ${split.promotion.variant} is best with ${pct(split.promotion.probability)} probability.`
            : `No winner yet: ${split.promotion.reason}.`}
        </Text>
      )}
      <Table>
        <Table.Header>
          <Table.Row>
            <Table.HeaderCell>Variant</Table.HeaderCell>
            <Table.HeaderCell>Recipients</Table.HeaderCell>
            <Table.HeaderCell>Conversion</Table.HeaderCell>
            <Table.HeaderCell>Probability best</Table.HeaderCell>
            {currencies.map((c) => (
              <Table.HeaderCell key={c}>Revenue / recipient ({c.toUpperCase()}), P(best)</Table.HeaderCell>
            ))}
            <Table.HeaderCell />
          </Table.Row>
        </Table.Header>
        <Table.Body>
          {split.variants.map((v) => (
            <Table.Row key={v.key}>
              <Table.Cell>{v.key}</Table.Cell>
              <Table.Cell>{v.recipients}</Table.Cell>
              <Table.Cell>
                {pct(v.conversion_rate)} ({v.converted})
              </Table.Cell>
              <Table.Cell>{pct(v.probability_best)}</Table.Cell>
              {currencies.map((c) => {
                const r = v.revenue.find((x) => x.currency_code === c)
                return (
                  <Table.Cell key={c}>
                    {cash(r?.per_recipient ?? 0, c)}, {r?.probability_best == null ? "–" : pct(r.probability_best)}
                  </Table.Cell>
                )
              })}
              <Table.Cell>
                {!split.winner && (
                  <Button size="small" variant="secondary" isLoading={promote.isPending} onClick={() => promote.mutate(v.key)}>
                    Promote
                  </Button>
                )}
              </Table.Cell>
            </Table.Row>
          ))}
        </Table.Body>
      </Table>
    </div>
  )
}

function HoldoutComparison({ holdout }: { holdout: Holdout }) {
  return (
    <div className="flex flex-col gap-1" data-experiment-holdout>
      <Text size="small" weight="plus">
        Holdout{holdout.percent ? ` (${holdout.percent}% of entrants get no messages)` : ""}
      </Text>
      <Text size="xsmall" className="text-ui-fg-subtle">
        Messaged: {holdout.treated.entrants} entrants, {pct(holdout.treated.conversion_rate)} ordered. Held out: {holdout.holdout.entrants}{" "}
        entrants, {pct(holdout.holdout.conversion_rate)} ordered.
      </Text>
      {!holdout.enough_data && <Text size="small">{holdout.message}</Text>}
      {holdout.conversion && (
        <Text size="small">
          Incremental conversion: {points(holdout.conversion.difference)}; about{" "}
          {Math.round(holdout.conversion.incremental_orders.estimate)} orders added ({Math.round(holdout.conversion.incremental_orders.low)}{" "}
          to {Math.round(holdout.conversion.incremental_orders.high)}).
        </Text>
      )}
      {holdout.revenue.map((r) => (
        <Text size="small" key={r.currency_code}>
          Incremental revenue ({r.currency_code.toUpperCase()}): {cash(r.difference.estimate, r.currency_code)} per entrant (95%:{" "}
          {cash(r.difference.low, r.currency_code)} to {cash(r.difference.high, r.currency_code)});{" "}
          {cash(r.incremental_revenue.estimate, r.currency_code)} in all.
        </Text>
      ))}
    </div>
  )
}

/** The flow's experiment settings: automatic promotion and the holdout share. Saving makes a new version. */
export function ExperimentSettings({ flowId }: { flowId: string }) {
  const client = useQueryClient()
  const flow = useQuery({ queryKey: ["flows", "detail", flowId], queryFn: () => api.get<{ flow: Json }>(`/admin/flows/${flowId}`) })
  const definition = flow.data?.flow.definition as Json | undefined
  const [enabled, setEnabled] = useState(false)
  const [minRecipients, setMinRecipients] = useState("500")
  const [probability, setProbability] = useState("95")
  const [holdout, setHoldout] = useState("0")
  useEffect(() => {
    if (definition) {
      setEnabled(Boolean(definition.auto_promote?.enabled))
      setMinRecipients(String(definition.auto_promote?.min_recipients ?? 500))
      setProbability(String(Math.round((definition.auto_promote?.probability ?? 0.95) * 1000) / 10))
      setHoldout(String(definition.holdout?.percent ?? 0))
    }
  }, [definition])
  const save = useMutation({
    mutationFn: () => {
      const { auto_promote: _a, holdout: _h, ...rest } = definition ?? {}
      const percentHeld = Number(holdout)
      return api.post(`/admin/flows/${flowId}`, {
        definition: {
          ...rest,
          auto_promote: { enabled, min_recipients: Number(minRecipients), probability: Number(probability) / 100 },
          ...(percentHeld > 0 && { holdout: { percent: percentHeld } }),
        },
      })
    },
    onSuccess: () => {
      toast.success("Saved as a new version")
      void client.invalidateQueries({ queryKey: ["flows"] })
    },
    onError: (error) => toast.error(errorMessage(error)),
  })
  if (!definition) {
    return null
  }
  return (
    <div className="flex flex-wrap items-end gap-4" data-experiment-settings>
      <div className="flex items-center gap-2">
        <Switch id="auto-promote" checked={enabled} onCheckedChange={setEnabled} />
        <Label htmlFor="auto-promote" size="small">
          Promote winners automatically
        </Label>
      </div>
      <div className="flex flex-col gap-1">
        <Label htmlFor="auto-promote-min" size="xsmall">
          Recipients per variant (at least)
        </Label>
        <Input
          id="auto-promote-min"
          size="small"
          type="number"
          min={10}
          value={minRecipients}
          onChange={(e) => setMinRecipients(e.target.value)}
        />
      </div>
      <div className="flex flex-col gap-1">
        <Label htmlFor="auto-promote-probability" size="xsmall">
          Probability to be best (%)
        </Label>
        <Input
          id="auto-promote-probability"
          size="small"
          type="number"
          min={50}
          max={99.99}
          step="0.1"
          value={probability}
          onChange={(e) => setProbability(e.target.value)}
        />
      </div>
      <div className="flex flex-col gap-1">
        <Label htmlFor="holdout-percent" size="xsmall">
          Holdout (% of entrants, 0 for none)
        </Label>
        <Input
          id="holdout-percent"
          size="small"
          type="number"
          min={0}
          max={50}
          value={holdout}
          onChange={(e) => setHoldout(e.target.value)}
        />
      </div>
      <Button size="small" variant="secondary" isLoading={save.isPending} onClick={() => save.mutate()}>
        Save
      </Button>
    </div>
  )
}

/** One flow's A/B tests (probability to be best, promotion) and holdout comparison, over the page's period. */
export function ExperimentsPanel({ flowId, from, to }: { flowId: string; from: string; to: string }) {
  const report = useQuery({
    queryKey: ["flows", "experiments", flowId, from, to],
    queryFn: () => api.get<Experiments>(`/admin/flows/${flowId}/experiments`, { from, to }),
  })
  return (
    <div className="flex flex-col gap-4 px-6 py-4" data-experiments>
      <div>
        <Heading level="h2">Experiments</Heading>
        <Text size="xsmall" className="text-ui-fg-subtle">
          A recipient converted when they ordered after being given a variant, whichever message got the credit. Probabilities are Bayesian:
          beta-binomial for conversion, a normal approximation for revenue per recipient, per currency.
        </Text>
      </div>
      <ExperimentSettings flowId={flowId} />
      {report.isLoading && <Loading what="experiments" />}
      {report.error && <Failed error={report.error} />}
      {report.data?.splits.map((split) => (
        <SplitTable key={split.split_id} flowId={flowId} split={split} />
      ))}
      {report.data?.holdout && <HoldoutComparison holdout={report.data.holdout} />}
      {report.data && !report.data.splits.length && !report.data.holdout && (
        <Text size="small" className="text-ui-fg-subtle">
          This flow has no A/B split and no holdout.
        </Text>
      )}
      {report.data?.promotions.map((p) => (
        <Text size="xsmall" key={p.id} className="text-ui-fg-subtle">
          Version {p.version}: variant {p.change?.variant} of “{p.change?.split_id}” promoted by {p.created_by ?? "unknown"} on{" "}
          {new Date(p.created_at).toLocaleString()}.
        </Text>
      ))}
    </div>
  )
}
