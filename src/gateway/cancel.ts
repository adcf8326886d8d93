/**
 * How a call and its upstream attempts are cancelled. Creating an AbortController costs
 * ~4 µs in Node 20 and every listener on its signal costs more (undici adds one per request):
 * measured together, tens of µs per gateway call. So the hot path uses `CancelSignal`, an
 * EventEmitter with `aborted`/`reason`/`abort()`, which undici's dispatchers accept as a
 * request `signal` (EventEmitter or EventTarget). In-process callers (workflows, compare) may
 * still pass an AbortSignal; `onAbort` reads either, and `asAbortSignal` makes a WHATWG
 * signal for the rare consumer that needs one (WHATWG fetch).
 * @module
 */
import { EventEmitter } from 'node:events'

export class CancelSignal extends EventEmitter {
  aborted = false
  reason: unknown = undefined

  abort(reason: unknown = new Error('aborted')): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    this.emit('abort')
  }
}

export type CallSignal = AbortSignal | CancelSignal

/** Runs `fn` once when `signal` aborts (not if it already has); returns the unsubscribe function. */
export function onAbort(signal: CallSignal, fn: () => void): () => void {
  if (signal instanceof CancelSignal) {
    signal.once('abort', fn)
    return () => signal.off('abort', fn)
  }
  signal.addEventListener('abort', fn, { once: true })
  return () => signal.removeEventListener('abort', fn)
}

/** A WHATWG AbortSignal following `signal` (for APIs that brand-check, like fetch). */
export function asAbortSignal(signal: CallSignal | null | undefined): AbortSignal | undefined {
  if (!signal || !(signal instanceof CancelSignal)) return signal ?? undefined
  const ac = new AbortController()
  if (signal.aborted) ac.abort(signal.reason)
  else onAbort(signal, () => ac.abort(signal.reason))
  return ac.signal
}
