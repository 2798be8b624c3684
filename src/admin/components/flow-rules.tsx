import { Button, Checkbox, Heading, Label, Text } from "@medusajs/ui"
import type { Json } from "../lib/sdk"
import { EXIT_EVENTS, type ExitEvent } from "../../engine/constants"
import { ConditionsEditor } from "./step-list"

const EXIT_EVENT_TEXT: Record<ExitEvent, string> = {
  "order.placed": "the customer places an order",
  "order.canceled": "the order is cancelled",
  "customer.deleted": "the customer is deleted",
}

const NEW_GROUP = { all: [{ field: "cart.item_count", op: "gt", value: 0 }] }

function OptionalConditions({
  title,
  hint,
  group,
  onChange,
}: {
  title: string
  hint: string
  group?: Json
  onChange: (g: Json | undefined) => void
}) {
  return (
    <div className="flex flex-col gap-2">
      <Text size="small" weight="plus">
        {title}
      </Text>
      <Text size="xsmall" className="text-ui-fg-subtle">
        {hint}
      </Text>
      {group ? (
        <>
          <ConditionsEditor label={title} group={group} onChange={(g) => onChange((g.all ?? g.any).length ? g : undefined)} />
          <div>
            <Button size="small" variant="transparent" onClick={() => onChange(undefined)}>
              Remove all
            </Button>
          </div>
        </>
      ) : (
        <div>
          <Button size="small" variant="secondary" onClick={() => onChange(NEW_GROUP)}>
            Add conditions
          </Button>
        </div>
      )}
    </div>
  )
}

/** Who enters (trigger filters) and what ends a run early (exit events and conditions). */
export function FlowRules({ definition, onChange }: { definition: Json; onChange: (d: Json) => void }) {
  const exit = definition.exit ?? {}
  const events: Json[] = exit.events ?? []
  const setExit = (next: Json) => {
    const cleaned = Object.fromEntries(
      Object.entries({ ...exit, ...next }).filter(([, v]) => v !== undefined && !(Array.isArray(v) && !v.length))
    )
    const { exit: _previous, ...rest } = definition
    onChange(Object.keys(cleaned).length ? { ...rest, exit: cleaned } : rest)
  }
  const toggleEvent = (event: string, on: boolean) =>
    setExit({ events: on ? [...events, { event }] : events.filter((e) => e.event !== event) })
  return (
    <div className="flex flex-col gap-4" aria-label="Entry and exit rules">
      <Heading level="h2">Entry and exit</Heading>
      <OptionalConditions
        title="Only enter when"
        hint="Checked on the trigger event, and again before each send: a run that no longer matches ends."
        group={definition.trigger.filters}
        onChange={(filters) => {
          const { filters: _previous, ...trigger } = definition.trigger
          onChange({ ...definition, trigger: filters ? { ...trigger, filters } : trigger })
        }}
      />
      <fieldset className="flex flex-col gap-2">
        <legend>
          <Text size="small" weight="plus">
            End the run when
          </Text>
        </legend>
        {EXIT_EVENTS.map((event) => {
          const id = `exit-${event}`
          return (
            <div key={event} className="flex items-center gap-2">
              <Checkbox id={id} checked={events.some((e) => e.event === event)} onCheckedChange={(on) => toggleEvent(event, on === true)} />
              <Label htmlFor={id} size="small">
                {EXIT_EVENT_TEXT[event]} <span className="text-ui-fg-subtle font-mono text-xs">{event}</span>
              </Label>
            </div>
          )
        })}
      </fieldset>
      <OptionalConditions
        title="Or when these hold"
        hint="Exit conditions, checked every time the run is looked at."
        group={exit.conditions}
        onChange={(conditions) => setExit({ conditions })}
      />
      <div className="flex items-center gap-2">
        <Checkbox
          id="send-to-unengaged"
          checked={definition.send_to_unengaged === true}
          onCheckedChange={(on) => {
            const { send_to_unengaged: _previous, ...rest } = definition
            onChange(on === true ? { ...rest, send_to_unengaged: true } : rest)
          }}
        />
        <Label htmlFor="send-to-unengaged" size="small">
          Also send to unengaged contacts{" "}
          <span className="text-ui-fg-subtle">(who have not opened, clicked, ordered or shopped in a long while)</span>
        </Label>
      </div>
    </div>
  )
}
