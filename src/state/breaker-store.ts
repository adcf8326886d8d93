/**
 * Circuit-breaker state shared through Redis (gateway/breaker.ts `BreakerStore`), so several
 * instances act as one: a dead target seen by any of them is skipped by all.
 *
 * - Outcomes are batched per target (a tenth of a second) and added to a shared sliding
 *   window (a hash of per-bucket counts) by one Lua script, which also opens the breaker when
 *   the shared counts cross the thresholds: `SET open-key PX openMs` and a PUBLISH.
 * - A breaker that opens locally (its own window, or a failed half-open probe) sets the open
 *   key and publishes too; a successful probe deletes it and publishes `closed`.
 * - Every instance subscribes and applies what others publish. A breaker created later asks
 *   once whether the open key exists (an instance that starts while a target is down).
 *
 * After `openMs` each instance lets its own probe through (at most one per instance); the
 * first probe's outcome is published and the others follow.
 * Nothing here is on the request path: the gateway decides from its local breaker.
 * @module
 */
import type { Redis } from 'ioredis'
import type { BreakerOptions, BreakerState, BreakerStore } from '../gateway/breaker.js'
import type { Runtime } from '../server/runtime.js'
import { openRedis } from './redis.js'

const BUCKETS = 10
const FLUSH_MS = 100

/**
 * KEYS: window hash, open key. ARGV: ok, fail, bucket, buckets, minRequests, failureRate,
 * openMs, windowMs, channel, message. Returns 1 when this call opened the breaker.
 */
const RECORD_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local b = tonumber(ARGV[3])
if tonumber(ARGV[1]) > 0 then redis.call('HINCRBY', KEYS[1], 'o' .. b, ARGV[1]) end
if tonumber(ARGV[2]) > 0 then redis.call('HINCRBY', KEYS[1], 'f' .. b, ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], ARGV[8])
local all = redis.call('HGETALL', KEYS[1])
local req, fail = 0, 0
for i = 1, #all, 2 do
  local f = all[i]
  local n = tonumber(all[i + 1])
  if b - tonumber(string.sub(f, 2)) < tonumber(ARGV[4]) then
    req = req + n
    if string.sub(f, 1, 1) == 'f' then fail = fail + n end
  else
    redis.call('HDEL', KEYS[1], f)
  end
end
if req >= tonumber(ARGV[5]) and fail / req >= tonumber(ARGV[6]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[7])
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[9], ARGV[10])
  return 1
end
return 0
`

interface Pending {
  credentialId: string
  model: string
  ok: number
  fail: number
  opts: BreakerOptions
}

type Listener = (credentialId: string, model: string, state: 'open' | 'closed') => void

export class RedisBreakerStore implements BreakerStore {
  readonly #channel: string
  readonly #prefix: string
  #pending = new Map<string, Pending>()
  #timer: NodeJS.Timeout | undefined
  #listeners: Listener[] = []
  #subscribed: Promise<unknown>

  constructor(
    private readonly redis: Redis,
    private readonly sub: Redis,
    private readonly instanceId: string,
    private readonly now: () => number = Date.now,
    private readonly onError: (reason: string) => void = () => {},
    /** Namespace of the installation (state/deployment.ts). */
    deployment = 'default',
  ) {
    this.#channel = `latchkey:breakers:${deployment}`
    this.#prefix = `latchkey:br:${deployment}:`
    this.#subscribed = sub.subscribe(this.#channel).catch((err: Error) => onError(err.message))
    sub.on('message', (channel: string, text: string) => {
      if (channel !== this.#channel) return
      let msg: { from?: string; c?: string; m?: string; s?: string }
      try {
        msg = JSON.parse(text)
      } catch {
        return
      }
      if (msg.from === this.instanceId || typeof msg.c !== 'string' || typeof msg.m !== 'string') return
      if (msg.s !== 'open' && msg.s !== 'closed') return
      this.#pending.delete(`${msg.c}\u0000${msg.m}`)
      for (const fn of this.#listeners) fn(msg.c, msg.m, msg.s)
    })
  }

  /** Resolves once the subscription is active (tests; start-up ordering). */
  ready(): Promise<unknown> {
    return this.#subscribed
  }

  listen(fn: Listener): void {
    this.#listeners.push(fn)
  }

  record(credentialId: string, model: string, failed: boolean, opts: BreakerOptions): void {
    const key = `${credentialId}\u0000${model}`
    let p = this.#pending.get(key)
    if (!p) {
      p = { credentialId, model, ok: 0, fail: 0, opts }
      this.#pending.set(key, p)
    }
    if (failed) p.fail += 1
    else p.ok += 1
    if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), FLUSH_MS)
      this.#timer.unref()
    }
  }

  /** Adds the batched outcomes to the shared windows; opens breakers the counts condemn. */
  async flush(): Promise<void> {
    this.#timer = undefined
    const batch = [...this.#pending.values()]
    this.#pending.clear()
    await Promise.all(
      batch.map(async (p) => {
        const o = p.opts
        const bucket = Math.floor(this.now() / (o.windowMs / BUCKETS))
        try {
          const opened = await this.redis.eval(
            RECORD_SCRIPT,
            2,
            this.#windowKey(p.credentialId, p.model),
            this.#openKey(p.credentialId, p.model),
            String(p.ok),
            String(p.fail),
            String(bucket),
            String(BUCKETS),
            String(o.minRequests),
            String(o.failureRate),
            String(o.openMs),
            String(o.windowMs),
            this.#channel,
            this.#message(p.credentialId, p.model, 'open'),
          )
          // The script told everyone else; this instance follows its own verdict here.
          if (opened === 1) for (const fn of this.#listeners) fn(p.credentialId, p.model, 'open')
        } catch (err) {
          this.onError((err as Error).message)
        }
      }),
    )
  }

  changed(credentialId: string, model: string, state: BreakerState, opts: BreakerOptions): void {
    if (state === 'half_open') return
    // Outcomes not yet sent belong to the period that just ended (the opening, or the probe).
    this.#pending.delete(`${credentialId}\u0000${model}`)
    const msg = this.#message(credentialId, model, state)
    const tx =
      state === 'open'
        ? this.redis.multi().set(this.#openKey(credentialId, model), '1', 'PX', opts.openMs)
        : this.redis.multi().del(this.#openKey(credentialId, model), this.#windowKey(credentialId, model))
    tx.publish(this.#channel, msg)
      .exec()
      .catch((err: Error) => this.onError(err.message))
  }

  async isOpen(credentialId: string, model: string): Promise<boolean> {
    return (await this.redis.exists(this.#openKey(credentialId, model))) === 1
  }

  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    await this.flush()
    this.sub.disconnect()
  }

  #windowKey(c: string, m: string): string {
    return `${this.#prefix}w:${c}:${m}`
  }

  #openKey(c: string, m: string): string {
    return `${this.#prefix}open:${c}:${m}`
  }

  #message(c: string, m: string, s: 'open' | 'closed'): string {
    return JSON.stringify({ from: this.instanceId, c, m, s })
  }
}

/**
 * The runtime's shared store: with REDIS_URL, a Redis store on its own subscriber
 * connection; without, none (breakers are per process, as there is one process).
 */
export async function sharedBreakerStore(
  rt: Pick<Runtime, 'redis' | 'config' | 'instanceId' | 'deploymentId' | 'logger' | 'onClose' | 'clock'>,
): Promise<RedisBreakerStore | undefined> {
  if (!rt.redis || !rt.config.redisUrl) return undefined
  let warnedAt = 0
  const store = new RedisBreakerStore(
    rt.redis,
    openRedis(rt.config.redisUrl, 'breakers'),
    rt.instanceId,
    rt.clock,
    (reason) => {
      // Redis trouble is reported once a minute, not once per call.
      if (Date.now() - warnedAt < 60_000) return
      warnedAt = Date.now()
      rt.logger.warn({ reason }, 'shared breaker state unavailable; breakers act per instance')
    },
    rt.deploymentId,
  )
  await store.ready()
  rt.onClose({ name: 'breaker-store', close: () => store.close() })
  return store
}
