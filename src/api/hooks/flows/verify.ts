import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { EventWebhook, EventWebhookHeader } from "@sendgrid/eventwebhook"
import twilio from "twilio"
import { FLOWS_MODULE } from "../../../modules/flows"
import type FlowsModuleService from "../../../modules/flows/service"

export function flowsService(req: MedusaRequest): FlowsModuleService {
  return req.scope.resolve(FLOWS_MODULE)
}

function refuse(res: MedusaResponse, status: 401 | 403, message: string): false {
  res.status(status).json({ type: status === 401 ? "unauthorized" : "not_allowed", message })
  return false
}

/**
 * Checks a SendGrid Event Webhook post: ECDSA over the timestamp and the exact bytes received,
 * and a timestamp recent enough that an old signed request cannot be replayed.
 */
export function verifySendGrid(req: MedusaRequest, res: MedusaResponse): boolean {
  const signature = req.get(EventWebhookHeader.SIGNATURE())
  const timestamp = req.get(EventWebhookHeader.TIMESTAMP())
  if (!signature || !timestamp) {
    return refuse(res, 401, "The request is not signed.")
  }
  const options = flowsService(req).getOptions().sendgrid
  if (!options?.webhookVerificationKey) {
    return refuse(res, 403, "No SendGrid webhook verification key is configured.")
  }
  const age = Math.abs(Date.now() / 1000 - Number(timestamp))
  if (!(age <= options.webhookMaxAgeSeconds)) {
    return refuse(res, 403, "The signature is too old.")
  }
  const webhook = new EventWebhook()
  const key = webhook.convertPublicKeyToECDSA(options.webhookVerificationKey)
  if (!req.rawBody || !webhook.verifySignature(key, req.rawBody, signature, timestamp)) {
    return refuse(res, 403, "The signature does not match.")
  }
  return true
}

/** Checks X-Twilio-Signature against the public URL Twilio posted to and the form parameters. */
export function verifyTwilio(req: MedusaRequest, res: MedusaResponse): boolean {
  const signature = req.get("x-twilio-signature")
  if (!signature) {
    return refuse(res, 401, "The request is not signed.")
  }
  const options = flowsService(req).getOptions()
  if (!options.twilio) {
    return refuse(res, 403, "Twilio is not configured.")
  }
  const url = `${options.backendUrl}${req.originalUrl}`
  if (!twilio.validateRequest(options.twilio.authToken, signature, url, req.body ?? {})) {
    return refuse(res, 403, "The signature does not match.")
  }
  return true
}
