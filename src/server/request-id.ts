/**
 * Request ids in `newId('req')`'s format (`req_` + base-36 time + 14 random base64url
 * characters), from newId's pooled randomness (no random draw per request).
 * @module
 */
import { newId } from '../identity/secrets.js'

export function requestId(): string {
  return newId('req')
}
