import { Badge, Button, IconButton, Input, Label, Select, Text } from "@medusajs/ui"
import { ArrowDownMini, ArrowUpMini, Trash } from "@medusajs/icons"
import type { Json } from "../lib/sdk"
import { CONDITION_OPERATORS, DURATION_UNITS, takesList, takesNoValue } from "../../engine/constants"
import { TemplateEditor } from "./template-editor"

/** The facts conditions can test, as the engine builds them (src/lib/load-facts.ts, contacts' engagement). */
const FIELDS = [
  "cart.item_count",
  "cart.total",
  "cart.email",
  "cart.completed_at",
  "cart.currency_code",
  "order.total",
  "order.item_count",
  "order.delivered",
  "order.shipped",
  "order.currency_code",
  "customer.has_account",
  "customer.email",
  "customer.phone",
  "engagement.opened",
  "engagement.clicked",
  "engagement.ordered",
  "engagement.level",
]

export const NEW_STEPS: Record<string, (id: string) => Json> = {
  wait: (id) => ({ id, type: "wait", duration: { amount: 1, unit: "days" } }),
  send_email: (id) => ({
    id,
    type: "send_email",
    template: { subject: "Hello from {{ store.name }}", html: "<p>Hi {{ customer.first_name }}</p>" },
  }),
  send_sms: (id) => ({ id, type: "send_sms", template: { body: "{{ store.name }}: hello! Reply STOP to opt out." } }),
  send_preferred: (id) => ({
    id,
    type: "send_preferred",
    email: { subject: "Hello from {{ store.name }}", html: "<p>Hi {{ customer.first_name }}</p>" },
    sms: { body: "{{ store.name }}: hello! Reply STOP to opt out." },
  }),
  condition: (id) => ({
    id,
    type: "condition",
    if: { all: [{ field: "engagement.ordered", op: "eq", value: false }] },
    then: [],
    else: [],
  }),
  split: (id) => ({
    id,
    type: "split",
    variants: [
      { key: "a", weight: 50, steps: [] },
      { key: "b", weight: 50, steps: [] },
    ],
  }),
  exit: (id) => ({ id, type: "exit" }),
}

export type Ctx = { flowId: string; errorFor: (stepId: string) => string | null; newId: (type: string) => string }

function parseScalar(raw: string): unknown {
  if (raw === "true" || raw === "false") return raw === "true"
  return raw !== "" && !Number.isNaN(Number(raw)) ? Number(raw) : raw
}

function parseValue(raw: string, op: string): unknown {
  // A list is typed as "a, b, c".
  return takesList(op) ? raw.split(",").map((part) => parseScalar(part.trim())) : parseScalar(raw)
}

const showValue = (value: unknown) => (Array.isArray(value) ? value.join(", ") : String(value ?? ""))

export function ConditionsEditor({ group, onChange, label }: { group: Json; onChange: (g: Json) => void; label: string }) {
  const mode = "any" in group ? "any" : "all"
  const rows: Json[] = group[mode]
  const setRow = (i: number, row: Json | null) =>
    onChange({ [mode]: row ? rows.map((r, j) => (j === i ? row : r)) : rows.filter((_, j) => j !== i) })
  return (
    <fieldset className="flex flex-col gap-2" aria-label={label}>
      <div className="flex items-center gap-2">
        <Text size="small">Match</Text>
        <Select size="small" value={mode} onValueChange={(next) => onChange({ [next]: rows })}>
          <Select.Trigger className="w-24" aria-label="Match all or any">
            <Select.Value />
          </Select.Trigger>
          <Select.Content>
            <Select.Item value="all">all</Select.Item>
            <Select.Item value="any">any</Select.Item>
          </Select.Content>
        </Select>
        <Text size="small">of these</Text>
      </div>
      {rows.map((row, i) =>
        "field" in row ? (
          <div key={i} className="flex items-center gap-2">
            <Select size="small" value={row.field} onValueChange={(field) => setRow(i, { ...row, field })}>
              <Select.Trigger style={{ width: 224 }} aria-label="Field">
                <Select.Value />
              </Select.Trigger>
              <Select.Content>
                {[...new Set([row.field, ...FIELDS])].map((f) => (
                  <Select.Item key={f} value={f}>
                    {f}
                  </Select.Item>
                ))}
              </Select.Content>
            </Select>
            <Select
              size="small"
              value={row.op}
              onValueChange={(op) => setRow(i, { ...row, op, value: parseValue(showValue(row.value), op) })}
            >
              <Select.Trigger style={{ width: 128 }} aria-label="Operator">
                <Select.Value />
              </Select.Trigger>
              <Select.Content>
                {CONDITION_OPERATORS.map((op) => (
                  <Select.Item key={op} value={op}>
                    {op}
                  </Select.Item>
                ))}
              </Select.Content>
            </Select>
            {!takesNoValue(row.op) && (
              <Input
                size="small"
                aria-label="Value"
                style={{ width: takesList(row.op) ? 256 : 128 }}
                value={showValue(row.value)}
                onChange={(e) => setRow(i, { ...row, value: parseValue(e.target.value, row.op) })}
              />
            )}
            <IconButton size="small" variant="transparent" aria-label="Remove condition" onClick={() => setRow(i, null)}>
              <Trash />
            </IconButton>
          </div>
        ) : (
          // A nested group ("all of" inside "any of", or the reverse), edited the same way, one level in.
          <div key={i} className="border-ui-border-base flex items-start gap-2 border-l pl-5">
            <ConditionsEditor
              label={`${label}, group ${i + 1}`}
              group={row}
              onChange={(g) => setRow(i, (g.all ?? g.any).length ? g : null)}
            />
            <IconButton size="small" variant="transparent" aria-label="Remove group" onClick={() => setRow(i, null)}>
              <Trash />
            </IconButton>
          </div>
        )
      )}
      <div>
        <Button
          size="small"
          variant="transparent"
          onClick={() => onChange({ [mode]: [...rows, { field: FIELDS[0], op: "gt", value: 0 }] })}
        >
          Add condition
        </Button>
        <Button
          size="small"
          variant="transparent"
          onClick={() => onChange({ [mode]: [...rows, { [mode === "all" ? "any" : "all"]: [{ field: FIELDS[0], op: "gt", value: 0 }] }] })}
        >
          Add group
        </Button>
      </div>
    </fieldset>
  )
}

export function StepBody({ step, onChange, ctx }: { step: Json; onChange: (s: Json) => void; ctx: Ctx }) {
  switch (step.type) {
    case "wait":
      return (
        <div className="flex items-end gap-2">
          <div className="flex flex-col gap-1">
            <Label size="small" htmlFor={`${step.id}-amount`}>
              Wait for
            </Label>
            <Input
              id={`${step.id}-amount`}
              type="number"
              min={1}
              size="small"
              className="w-24"
              value={step.duration?.amount ?? ""}
              onChange={(e) => onChange({ ...step, duration: { unit: "days", ...step.duration, amount: Number(e.target.value) } })}
            />
          </div>
          <Select
            size="small"
            value={step.duration?.unit ?? "days"}
            onValueChange={(unit) => onChange({ ...step, duration: { amount: 1, ...step.duration, unit } })}
          >
            <Select.Trigger style={{ width: 128 }} aria-label={`Unit of ${step.id}`}>
              <Select.Value />
            </Select.Trigger>
            <Select.Content>
              {DURATION_UNITS.map((u) => (
                <Select.Item key={u} value={u}>
                  {u}
                </Select.Item>
              ))}
            </Select.Content>
          </Select>
          {step.until_time && (
            <Text size="small" className="text-ui-fg-subtle">
              then until {step.until_time} in the recipient's time
            </Text>
          )}
        </div>
      )
    case "wait_until":
      return (
        <ConditionsEditor
          label={`Wait until (${step.id})`}
          group={step.condition}
          onChange={(condition) => onChange({ ...step, condition })}
        />
      )
    case "send_email":
    case "send_sms":
      return <TemplateEditor flowId={ctx.flowId} step={step} onChange={(template) => onChange({ ...step, template })} />
    case "send_preferred":
      // Goes on the contact's preferred channel (docs/flow-definition.md): one template per channel.
      return (
        <div className="flex flex-col gap-4">
          {(["email", "sms"] as const).map((channel) => (
            <div key={channel} className="flex flex-col gap-2" data-channel={channel}>
              <Text size="small" weight="plus">
                {channel === "email" ? "Email" : "Text message"}
              </Text>
              <TemplateEditor
                flowId={ctx.flowId}
                step={{ id: step.id, type: `send_${channel}`, template: step[channel] }}
                onChange={(template) => onChange({ ...step, [channel]: template })}
              />
            </div>
          ))}
        </div>
      )
    case "condition":
      return (
        <div className="flex flex-col gap-3">
          <ConditionsEditor label={`If (${step.id})`} group={step.if} onChange={(group) => onChange({ ...step, if: group })} />
          {(["then", "else"] as const).map((branch) => (
            <div key={branch} className="border-ui-border-base border-l pl-5">
              <Text size="small" weight="plus">
                {branch === "then" ? "Yes" : "No"}
              </Text>
              <StepList steps={step[branch]} onChange={(steps) => onChange({ ...step, [branch]: steps })} ctx={ctx} />
            </div>
          ))}
        </div>
      )
    case "split":
      return (
        <div className="grid grid-cols-1 gap-3 md:grid-cols-2">
          {step.variants.map((variant: Json, v: number) => (
            <div key={variant.key} className="border-ui-border-base border-l pl-5">
              <div className="flex items-center gap-2">
                <Text size="small" weight="plus">
                  Variant {variant.key}
                </Text>
                <Input
                  size="small"
                  type="number"
                  min={1}
                  className="w-20"
                  aria-label={`Weight of variant ${variant.key}`}
                  value={variant.weight}
                  onChange={(e) =>
                    onChange({
                      ...step,
                      variants: step.variants.map((x: Json, j: number) => (j === v ? { ...x, weight: Number(e.target.value) } : x)),
                    })
                  }
                />
              </div>
              <StepList
                steps={variant.steps}
                onChange={(steps) =>
                  onChange({ ...step, variants: step.variants.map((x: Json, j: number) => (j === v ? { ...x, steps } : x)) })
                }
                ctx={ctx}
              />
            </div>
          ))}
        </div>
      )
    default:
      return (
        <Text size="small" className="text-ui-fg-subtle">
          The run ends here.
        </Text>
      )
  }
}

/** Steps as a vertical sequence, branches nested; each can be edited, moved or removed, and new ones added. */
export function StepList({ steps, onChange, ctx }: { steps: Json[]; onChange: (steps: Json[]) => void; ctx: Ctx }) {
  const move = (i: number, by: number) => {
    const next = [...steps]
    ;[next[i], next[i + by]] = [next[i + by], next[i]]
    onChange(next)
  }
  return (
    <ol className="flex flex-col gap-3 py-2">
      {steps.map((step, i) => {
        const error = ctx.errorFor(step.id)
        return (
          <li key={step.id} className="shadow-elevation-card-rest bg-ui-bg-base rounded-lg p-4" data-step-id={step.id}>
            <div className="mb-3 flex items-center justify-between">
              <div className="flex items-center gap-2">
                <Badge size="2xsmall">{step.type.replace("_", " ")}</Badge>
                <Text size="small" weight="plus">
                  {step.id}
                </Text>
              </div>
              <div className="flex gap-1">
                <IconButton
                  size="small"
                  variant="transparent"
                  aria-label={`Move ${step.id} up`}
                  disabled={i === 0}
                  onClick={() => move(i, -1)}
                >
                  <ArrowUpMini />
                </IconButton>
                <IconButton
                  size="small"
                  variant="transparent"
                  aria-label={`Move ${step.id} down`}
                  disabled={i === steps.length - 1}
                  onClick={() => move(i, 1)}
                >
                  <ArrowDownMini />
                </IconButton>
                <IconButton
                  size="small"
                  variant="transparent"
                  aria-label={`Remove ${step.id}`}
                  onClick={() => onChange(steps.filter((_, j) => j !== i))}
                >
                  <Trash />
                </IconButton>
              </div>
            </div>
            <StepBody step={step} ctx={ctx} onChange={(next) => onChange(steps.map((s, j) => (j === i ? next : s)))} />
            {error && (
              <Text size="small" className="text-ui-fg-error mt-2" role="alert">
                {error}
              </Text>
            )}
          </li>
        )
      })}
      <li>
        <Select value="" onValueChange={(type) => onChange([...steps, NEW_STEPS[type](ctx.newId(type))])}>
          <Select.Trigger style={{ width: 192 }} aria-label="Add a step">
            <Select.Value placeholder="Add a step…" />
          </Select.Trigger>
          <Select.Content>
            {Object.keys(NEW_STEPS).map((type) => (
              <Select.Item key={type} value={type}>
                {type.replace("_", " ")}
              </Select.Item>
            ))}
          </Select.Content>
        </Select>
      </li>
    </ol>
  )
}
