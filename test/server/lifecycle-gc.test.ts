/**
 * A finished request leaves nothing for the old generation (server/lifecycle.ts). The drain's
 * bookkeeping once kept each response's entry in a WeakMap keyed by the response, the entry
 * pointing back at it: V8's young-generation GC keeps such values alive, so every request's
 * objects were promoted and a mark-compact pause of tens of milliseconds hit every few thousand
 * calls (the gateway's p99 stall). Measured by bytes, not time: old-space growth across many
 * tracked-and-closed responses, after a full GC, with no major GC in between.
 */
import { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { PerformanceObserver, constants as perf } from 'node:perf_hooks'
import v8 from 'node:v8'
import vm from 'node:vm'
import { describe, expect, it } from 'vitest'
import { Lifecycle } from '../../src/server/lifecycle.js'

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

const oldSpaceUsed = () =>
  v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')?.space_used_size ?? 0

/** A response-like emitter carrying about a kilobyte, as a real one does. */
function fakeResponse(i: number): ServerResponse {
  const res = new EventEmitter() as EventEmitter & { payload: unknown; writableFinished: boolean }
  res.payload = Array.from({ length: 40 }, (_, k) => ({ k, v: `header-${i}-${k}` }))
  res.writableFinished = true
  return res as unknown as ServerResponse
}

describe('lifecycle tracking and the garbage collector', () => {
  it('a tracked and closed response dies young (not promoted to the old generation)', async () => {
    const lifecycle = new Lifecycle({} as never)
    const majors: number[] = []
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as { detail?: { kind?: number } }).detail?.kind
        if (kind === perf.NODE_PERFORMANCE_GC_MAJOR) majors.push(1)
      }
    })
    // A long-running server's bookkeeping is old itself: warm it up, then two full GCs.
    for (let i = 0; i < 1000; i++) {
      const res = fakeResponse(i)
      lifecycle.track({} as IncomingMessage, res)
      lifecycle.cancelSignal(res)
      res.emit('close')
    }
    gc()
    gc()
    obs.observe({ entryTypes: ['gc'] })
    const before = oldSpaceUsed()
    const n = 20_000
    for (let i = 0; i < n; i++) {
      const res = fakeResponse(i)
      lifecycle.track({} as IncomingMessage, res)
      lifecycle.cancelSignal(res)
      res.emit('close')
    }
    const grown = oldSpaceUsed() - before
    await new Promise((r) => setImmediate(r))
    obs.disconnect()
    expect(lifecycle.inflight).toBe(0)
    // About 60 MB pass through the young generation; a promoted response would leave ~3 KB.
    expect({ majorGcs: majors.length, promotedMostly: grown > n * 1024 }).toEqual({
      majorGcs: 0,
      promotedMostly: false,
    })
  })
})
