/**
 * Budget counters: spend (nano-USD) and tokens per budget window, including in-flight
 * reservations. In-process by default; Redis (one Lua script per operation, so checking
 * every budget of a call and reserving against all of them is one atomic step) when
 * REDIS_URL is set, which makes a budget exact across instances.
 * @module
 */

import type { Redis } from 'ioredis'
import { type Clock, systemClock } from '../../state/clock.js'

export interface CounterEntry {
  key: string
  /** -1 = no limit on that dimension. */
  limitNano: number
  limitTokens: number
  addNano: number
  addTokens: number
  ttlMs: number
}

export interface Totals {
  nano: number
  tokens: number
}

export interface BudgetCounters {
  /** All-or-nothing: adds every entry, or none when one would pass its limit (its index is returned). */
  reserve(entries: CounterEntry[]): Promise<{ failed: number; totals: Totals[] }>
  /** Adds signed deltas (settle); returns the new totals. */
  adjust(entries: Omit<CounterEntry, 'limitNano' | 'limitTokens'>[]): Promise<Totals[]>
  /** Sets the starting spend of a window once (the first instance to see it wins). */
  seed(key: string, nano: number, tokens: number, ttlMs: number): Promise<void>
  isSeeded(key: string): Promise<boolean>
  peek(key: string): Promise<Totals>
  /** True the first time a threshold is marked for a window. */
  markAlert(key: string, threshold: number): Promise<boolean>
}

interface Cell {
  nano: number
  tokens: number
  seeded: boolean
  alerts: Set<number>
  expires: number
}

export class MemoryBudgetCounters implements BudgetCounters {
  #cells = new Map<string, Cell>()

  constructor(private readonly now: Clock = systemClock) {}

  #cell(key: string, ttlMs: number): Cell {
    const now = this.now()
    let c = this.#cells.get(key)
    if (!c || c.expires < now) {
      c = { nano: 0, tokens: 0, seeded: false, alerts: new Set(), expires: now + ttlMs }
      this.#cells.set(key, c)
      if (this.#cells.size % 1000 === 0) this.#sweep(now)
    }
    return c
  }

  // No awaits inside: the check and the adds happen in one turn of the event loop.
  async reserve(entries: CounterEntry[]) {
    const cells = entries.map((e) => this.#cell(e.key, e.ttlMs))
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!
      const c = cells[i]!
      if (
        (e.limitNano >= 0 && c.nano + e.addNano > e.limitNano) ||
        (e.limitTokens >= 0 && c.tokens + e.addTokens > e.limitTokens)
      ) {
        return { failed: i, totals: cells.map((x) => ({ nano: x.nano, tokens: x.tokens })) }
      }
    }
    entries.forEach((e, i) => {
      cells[i]!.nano += e.addNano
      cells[i]!.tokens += e.addTokens
    })
    return { failed: -1, totals: cells.map((x) => ({ nano: x.nano, tokens: x.tokens })) }
  }

  async adjust(entries: Omit<CounterEntry, 'limitNano' | 'limitTokens'>[]) {
    return entries.map((e) => {
      const c = this.#cell(e.key, e.ttlMs)
      c.nano += e.addNano
      c.tokens += e.addTokens
      return { nano: c.nano, tokens: c.tokens }
    })
  }

  async seed(key: string, nano: number, tokens: number, ttlMs: number) {
    const c = this.#cell(key, ttlMs)
    if (c.seeded) return
    c.seeded = true
    c.nano += nano
    c.tokens += tokens
  }

  async isSeeded(key: string) {
    const c = this.#cells.get(key)
    return !!c && c.seeded && c.expires >= this.now()
  }

  async peek(key: string) {
    const c = this.#cells.get(key)
    return c && c.expires >= this.now() ? { nano: c.nano, tokens: c.tokens } : { nano: 0, tokens: 0 }
  }

  async markAlert(key: string, threshold: number) {
    const c = this.#cells.get(key)
    if (!c || c.alerts.has(threshold)) return false
    c.alerts.add(threshold)
    return true
  }

  #sweep(now: number) {
    for (const [k, c] of this.#cells) if (c.expires < now) this.#cells.delete(k)
  }
}

const RESERVE = `
local n = #KEYS
for i = 1, n do
  local b = (i - 1) * 5
  local ln, lt = tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2])
  local an, at = tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4])
  local un = tonumber(redis.call('HGET', KEYS[i], 'n') or '0')
  local ut = tonumber(redis.call('HGET', KEYS[i], 't') or '0')
  if (ln >= 0 and un + an > ln) or (lt >= 0 and ut + at > lt) then
    return {i, un, ut}
  end
end
local out = {0}
for i = 1, n do
  local b = (i - 1) * 5
  out[#out + 1] = redis.call('HINCRBY', KEYS[i], 'n', ARGV[b + 3])
  out[#out + 1] = redis.call('HINCRBY', KEYS[i], 't', ARGV[b + 4])
  redis.call('PEXPIRE', KEYS[i], ARGV[b + 5])
end
return out`

const ADJUST = `
local out = {}
for i = 1, #KEYS do
  local b = (i - 1) * 3
  out[#out + 1] = redis.call('HINCRBY', KEYS[i], 'n', ARGV[b + 1])
  out[#out + 1] = redis.call('HINCRBY', KEYS[i], 't', ARGV[b + 2])
  redis.call('PEXPIRE', KEYS[i], ARGV[b + 3])
end
return out`

const SEED = `
if redis.call('HSETNX', KEYS[1], 'seeded', '1') == 1 then
  redis.call('HINCRBY', KEYS[1], 'n', ARGV[1])
  redis.call('HINCRBY', KEYS[1], 't', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1`

export class RedisBudgetCounters implements BudgetCounters {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'latchkey:budget:',
  ) {}

  async reserve(entries: CounterEntry[]) {
    const args = entries.flatMap((e) =>
      [e.limitNano, e.limitTokens, e.addNano, e.addTokens, Math.ceil(e.ttlMs)].map(String),
    )
    const res = (await this.redis.eval(
      RESERVE,
      entries.length,
      ...entries.map((e) => this.prefix + e.key),
      ...args,
    )) as number[]
    if (res[0] !== 0) {
      const failed = Number(res[0]) - 1
      const totals = entries.map(() => ({ nano: 0, tokens: 0 }))
      totals[failed] = { nano: Number(res[1]), tokens: Number(res[2]) }
      return { failed, totals }
    }
    return { failed: -1, totals: pairs(res.slice(1)) }
  }

  async adjust(entries: Omit<CounterEntry, 'limitNano' | 'limitTokens'>[]) {
    if (entries.length === 0) return []
    const args = entries.flatMap((e) => [e.addNano, e.addTokens, Math.ceil(e.ttlMs)].map(String))
    const res = (await this.redis.eval(
      ADJUST,
      entries.length,
      ...entries.map((e) => this.prefix + e.key),
      ...args,
    )) as number[]
    return pairs(res)
  }

  async seed(key: string, nano: number, tokens: number, ttlMs: number) {
    await this.redis.eval(SEED, 1, this.prefix + key, String(nano), String(tokens), String(Math.ceil(ttlMs)))
  }

  async isSeeded(key: string) {
    return (await this.redis.hexists(this.prefix + key, 'seeded')) === 1
  }

  async peek(key: string) {
    const [n, t] = await this.redis.hmget(this.prefix + key, 'n', 't')
    return { nano: Number(n ?? 0), tokens: Number(t ?? 0) }
  }

  async markAlert(key: string, threshold: number) {
    return (await this.redis.hsetnx(this.prefix + key, `a${threshold}`, '1')) === 1
  }
}

function pairs(flat: number[]): Totals[] {
  const out: Totals[] = []
  for (let i = 0; i + 1 < flat.length; i += 2)
    out.push({ nano: Number(flat[i]), tokens: Number(flat[i + 1]) })
  return out
}
