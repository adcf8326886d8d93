/**
 * The in-process rate-limit counters are keyed by what requests bring (a sign-in with a new email
 * each time is a new key): they must stay bounded however many distinct keys arrive (issue 19),
 * while a key in its live window keeps counting.
 */
import { describe, expect, it } from 'vitest'
import { MemoryCounterStore } from '../../src/state/counters.js'
import { manualClock } from '../helpers.js'

const MINUTE = 60_000

describe('MemoryCounterStore', () => {
  it('drops windows that ended, without waiting an hour', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1))
    const store = new MemoryCounterStore(clock, 10_000)
    for (let i = 0; i < 999; i++) await store.add(`login:email:${i}`, 1, MINUTE)
    expect(store.size).toBe(999)
    clock.advance(MINUTE)
    await store.add('login:email:new', 1, MINUTE) // the 1000th add sweeps
    expect(store.size).toBe(1)
  })

  it('a flood of distinct keys in one window stays under the cap; the newest keep counting', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1))
    const store = new MemoryCounterStore(clock, 1_000)
    for (let i = 0; i < 20_000; i++) {
      await store.add(`login:email:${i}`, 1, 15 * MINUTE)
      expect(store.size).toBeLessThanOrEqual(1_000)
    }
    expect(store.size).toBeLessThanOrEqual(1_000)
    const { total } = await store.add('login:email:19999', 1, 15 * MINUTE)
    expect(total).toBe(2)
  })
})
