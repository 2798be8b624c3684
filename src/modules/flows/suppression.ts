import { createHmac } from "node:crypto"
import type { ChannelName } from "../../engine/constants"
import type { PluginOptions } from "./options"

/** The key of the suppression list's hashes: `suppressionSecret`, else `secret`. */
export function suppressionKey(options: Pick<PluginOptions, "secret" | "suppressionSecret">): string {
  return options.suppressionSecret ?? options.secret
}

/**
 * The suppression list's entry for an address or number: HMAC-SHA256 over the channel and the normalised
 * value (an email trimmed and lowercased; a number as given, E.164 from the callers). Without the key the
 * list cannot be read back into addresses, nor checked against a list of guesses.
 */
export function suppressionHash(key: string, channel: ChannelName, value: string): string {
  const normalised = channel === "email" ? value.trim().toLowerCase() : value.trim()
  return createHmac("sha256", key).update(`${channel}:${normalised}`).digest("hex")
}
