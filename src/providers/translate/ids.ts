/**
 * Deterministic ids for things upstreams don't name (Gemini tool calls, response ids), so a
 * retry or replay of the same request produces the same ids (PROVIDERS.md §10.15).
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'

/** `call_<hash>` from a seed (e.g. response id + index + name). */
export function syntheticToolCallId(seed: string): string {
  return `call_${createHash('sha256').update(seed).digest('base64url').slice(0, 24)}`
}

/** A fresh id with a prefix, for responses that carry none. */
export function freshId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString('base64url')}`
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}
