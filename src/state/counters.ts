/**
 * Fixed-window counters for rate limits (login attempts, requests and tokens per minute):
 * in-process by default, Redis (atomic INCRBY + PEXPIRE) when configured so that several
 * instances share one limit.
 * @module
 */
import type { Redis } from 'ioredis'
import { type Clock, systemClock } from './clock.js'

export interface CounterStore {
  /** Adds `amount` to the counter `key` in the current window; returns the new total and ms left. */
  add(key: string, amount: number, windowMs: number): Promise<{ total: number; resetMs: number }>
  get(key: string, windowMs: number): Promise<number>
  /** Clears the counter `key` in the current window (one key: no scan over every counter). */
  reset(key: string, windowMs: number): Promise<void>
}

/**
 * Live windows the in-process store keeps at most. Keys come from requests (a sign-in with a new
 * email each time adds one), so the map needs a bound besides time: past it, ended windows go
 * first, then the oldest live ones (a limit may restart early for a key not seen since, which
 * takes a flood of distinct keys; ~100 B a window, so the cap is ~10 MB).
 */
export const MAX_WINDOWS = 100_000

export class MemoryCounterStore implements CounterStore {
  #windows = new Map<string, { end: number; total: number }>()
  #sweeps = 0

  constructor(
    private readonly now: Clock = systemClock,
    private readonly maxWindows = MAX_WINDOWS,
  ) {}

  async add(key: string, amount: number, windowMs: number) {
    const now = this.now()
    const start = now - (now % windowMs)
    const k = `${key}:${start}`
    let w = this.#windows.get(k)
    if (!w) {
      if (this.#windows.size >= this.maxWindows) this.#sweep(now)
      w = { end: start + windowMs, total: 0 }
      this.#windows.set(k, w)
    }
    w.total += amount
    if (++this.#sweeps % 1000 === 0) this.#sweep(now)
    return { total: w.total, resetMs: w.end - now }
  }

  async get(key: string, windowMs: number) {
    const now = this.now()
    return this.#windows.get(`${key}:${now - (now % windowMs)}`)?.total ?? 0
  }

  async reset(key: string, windowMs: number) {
    const now = this.now()
    this.#windows.delete(`${key}:${now - (now % windowMs)}`)
  }

  /** How many windows are held (tests: the bound holds). */
  get size(): number {
    return this.#windows.size
  }

  #sweep(now: number) {
    for (const [k, w] of this.#windows) if (w.end <= now) this.#windows.delete(k)
    // Still full of live windows: the oldest made (a Map iterates in insertion order) go.
    const excess = this.#windows.size - Math.floor(this.maxWindows * 0.9)
    if (excess <= 0) return
    let n = 0
    for (const k of this.#windows.keys()) {
      if (n++ >= excess) break
      this.#windows.delete(k)
    }
  }
}

const ADD_SCRIPT = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(v) == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {v, redis.call('PTTL', KEYS[1])}`

export class RedisCounterStore implements CounterStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'latchkey:ctr:',
    private readonly now: Clock = systemClock,
  ) {}

  async add(key: string, amount: number, windowMs: number) {
    const now = this.now()
    const start = now - (now % windowMs)
    const k = `${this.prefix}${key}:${start}`
    const [total, ttl] = (await this.redis.eval(ADD_SCRIPT, 1, k, String(amount), String(windowMs))) as [
      number,
      number,
    ]
    return { total: Number(total), resetMs: ttl > 0 ? ttl : start + windowMs - now }
  }

  async get(key: string, windowMs: number) {
    const now = this.now()
    const v = await this.redis.get(`${this.prefix}${key}:${now - (now % windowMs)}`)
    return v ? Number(v) : 0
  }

  async reset(key: string, windowMs: number) {
    // KEYS would scan every counter of every instance (and block Redis meanwhile).
    const now = this.now()
    await this.redis.del(`${this.prefix}${key}:${now - (now % windowMs)}`)
  }
}
