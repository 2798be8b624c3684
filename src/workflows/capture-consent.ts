import { createHook, createWorkflow, transform, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { captureConsentStep, type CaptureConsentStepInput } from "./steps/capture-consent"

export type CaptureConsentWorkflowInput = CaptureConsentStepInput

/**
 * POST /store/flows/consent: a storefront sign-up. Hook `consentCaptured({ contact_id, channels,
 * awaiting_confirmation, source })`, e.g. to tag the customer in a CRM; a handler that throws withdraws the
 * consent the sign-up gave (see captureConsentStep for what stays).
 */
export const captureConsentWorkflow = createWorkflow("flows-capture-consent", (input: CaptureConsentWorkflowInput) => {
  const captured = captureConsentStep(input)
  const hookInput = transform({ captured, input }, ({ captured, input }) => ({ ...captured, source: input.source }))
  const consentCaptured = createHook("consentCaptured", hookInput)
  return new WorkflowResponse(captured, { hooks: [consentCaptured] })
})
