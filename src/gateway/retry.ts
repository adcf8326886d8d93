/**
 * Retry timing: exponential backoff with jitter, and the upstream's `retry-after` honoured up
 * to a cap (beyond the cap the gateway fails over instead of waiting).
 * @module
 */
import { type CallSignal, onAbort } from './cancel.js'

/** Delay before retry number `retry` (0-based): base·2^retry capped, "equal jitter" (½ fixed, ½ random). */
export function backoffDelay(retry: number, baseMs: number, capMs: number, random = Math.random): number {
  const exp = Math.min(capMs, baseMs * 2 ** retry)
  return Math.round(exp / 2 + random() * (exp / 2))
}

/** Milliseconds the upstream asked us to wait (`retry-after-ms`, `retry-after` seconds or HTTP date). */
export function retryAfterMs(headers: Record<string, string>, now = Date.now()): number | undefined {
  const ms = headers['retry-after-ms']
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms))
  const v = headers['retry-after']?.trim()
  if (!v) return undefined
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000)
  const at = Date.parse(v)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** Sleeps unless the signal aborts first (resolves false then). */
export function sleep(ms: number, signal?: CallSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false)
    const t = setTimeout(() => {
      off?.()
      resolve(true)
    }, ms)
    const off = signal
      ? onAbort(signal, () => {
          clearTimeout(t)
          resolve(false)
        })
      : undefined
  })
}
