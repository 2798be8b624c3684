import { createPublicKey, verify, type KeyObject } from "node:crypto"
import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
// Twilio's signature check alone: the whole SDK is loaded only by a store that texts (channels/index.ts).
import { validateRequest } from "twilio/lib/webhooks/webhooks"
import { FLOWS_MODULE } from "../../../modules/flows"
import type FlowsModuleService from "../../../modules/flows/service"

export function flowsService(req: MedusaRequest): FlowsModuleService {
  return req.scope.resolve(FLOWS_MODULE)
}

function refuse(res: MedusaResponse, status: 401 | 403, message: string): false {
  res.status(status).json({ type: status === 401 ? "unauthorized" : "not_allowed", message })
  return false
}

// SendGrid's Event Webhook signing headers, as its docs and `@sendgrid/eventwebhook` name them. The check
// itself is node:crypto's, so a store does not load that package (and its pure-JS ECDSA) to serve requests.
const SENDGRID_SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
const SENDGRID_TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp"

const sendGridKeys = new Map<string, KeyObject | null>()

/** The verification key (base64 SPKI DER, as SendGrid shows it), parsed once; null if it is not a public key. */
function sendGridKey(base64: string): KeyObject | null {
  if (!sendGridKeys.has(base64)) {
    try {
      sendGridKeys.set(base64, createPublicKey({ key: Buffer.from(base64, "base64"), format: "der", type: "spki" }))
    } catch {
      sendGridKeys.set(base64, null)
    }
  }
  return sendGridKeys.get(base64)!
}

/**
 * Checks a SendGrid Event Webhook post: ECDSA over the timestamp and the exact bytes received,
 * and a timestamp recent enough that an old signed request cannot be replayed.
 */
export function verifySendGrid(req: MedusaRequest, res: MedusaResponse): boolean {
  const signature = req.get(SENDGRID_SIGNATURE)
  const timestamp = req.get(SENDGRID_TIMESTAMP)
  if (signature === undefined || timestamp === undefined) {
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
  const key = sendGridKey(options.webhookVerificationKey)
  if (!key) {
    return refuse(res, 403, "The configured SendGrid webhook verification key is not a public key.")
  }
  // ECDSA P-256 with SHA-256 over the timestamp and the body; the signature is base64 DER. A malformed
  // signature (not base64, truncated, empty) simply does not verify.
  const signed = Buffer.concat([Buffer.from(timestamp), Buffer.from(req.rawBody ?? "")])
  if (!req.rawBody || !verify("sha256", signed, { key, dsaEncoding: "der" }, Buffer.from(signature, "base64"))) {
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
  if (!validateRequest(options.twilio.authToken, signature, url, req.body ?? {})) {
    return refuse(res, 403, "The signature does not match.")
  }
  return true
}
