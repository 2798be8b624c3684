import { Text } from "@medusajs/ui"
import { dateTime } from "../lib/format"
import type { Json } from "../lib/sdk"

const HELD_BY: Record<string, string> = { quiet_hours: "quiet hours", frequency_cap: "a cap", priority: "a higher-priority flow" }

/**
 * When a run's next message will really go (`next_send` from the admin API): the scheduler's own
 * decision after quiet hours, caps and priority, or why it will be skipped.
 */
export function NextSend({ prediction }: { prediction: Json | null | undefined }) {
  if (!prediction) {
    return (
      <Text size="small" className="text-ui-fg-subtle" as="span">
        no message foreseen yet
      </Text>
    )
  }
  const step = `${prediction.channel} “${prediction.step_id}”`
  if (prediction.skipped) {
    return (
      <Text size="small" className="text-ui-fg-subtle" as="span" data-testid="next-send">
        {step} will be skipped at {dateTime(prediction.at)}: {prediction.skipped}
      </Text>
    )
  }
  const held = (prediction.held_by as string[]).map((reason) => HELD_BY[reason] ?? reason)
  return (
    <Text size="small" as="span" data-testid="next-send">
      {step} goes {dateTime(prediction.at)}
      {held.length > 0 && (
        <span className="text-ui-fg-subtle">
          {" "}
          (held by {held.join(", then ")}; due {dateTime(prediction.due_at)})
        </span>
      )}
    </Text>
  )
}
