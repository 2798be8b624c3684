import { messageKey, type RunRow } from "../../src/modules/flows/types"
import type { SendToClaim } from "../../src/modules/flows/actions/claim-sends"

/** A run's email step rendered (subject and body its step id), as the scheduler hands it to `claimSends`. */
export function renderedEmail(run: RunRow, stepId: string, now: Date): SendToClaim {
  return {
    run,
    now,
    step: { id: stepId, channel: "email" },
    draft: {
      channel: "email",
      subject: stepId,
      html: `<p>${stepId}</p>`,
      idempotency_key: messageKey(run, stepId),
      flow_id: run.flow_id,
      run_id: run.id,
      step_id: stepId,
      contact_id: run.contact_id,
      provider: "sandbox",
      to: run.email,
    },
  }
}
