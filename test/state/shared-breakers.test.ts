/**
 * Shared circuit breakers (state/breaker-store.ts) between "instances" — here two Breakers
 * with their own Redis connections, as two processes would have: failures seen by both count
 * in one window; once one opens, the other skips the target too; a successful probe on one
 * closes both. Runs with TEST_REDIS_URL (the PostgreSQL + Redis pass); the 3-process test
 * (test/scale/) checks the same through HAProxy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BreakerOptions, Breakers } from '../../src/gateway/breaker.js'
import { RedisBreakerStore } from '../../src/state/breaker-store.js'
import { openRedis } from '../../src/state/redis.js'
import { REDIS_URL } from '../helpers.js'

const OPTS: BreakerOptions = {
  windowMs: 60_000,
  minRequests: 5,
  failureRate: 0.5,
  openMs: 60_000,
  halfOpenProbes: 1,
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 50))
  if (!cond()) throw new Error(`timed out waiting for: ${what}`)
}

describe.skipIf(!REDIS_URL)('shared circuit breakers (Redis)', () => {
  const clients: ReturnType<typeof openRedis>[] = []
  const stores: RedisBreakerStore[] = []
  let t = 1_000_000_000
  const now = () => t

  function instance(id: string): Breakers {
    const redis = openRedis(REDIS_URL!, `test-${id}`)
    clients.push(redis)
    const store = new RedisBreakerStore(redis, openRedis(REDIS_URL!, `test-${id}-sub`), id, now)
    stores.push(store)
    return new Breakers(OPTS, () => {}, now, store)
  }

  let a: Breakers
  let b: Breakers
  beforeAll(async () => {
    a = instance(`a-${Math.random()}`)
    b = instance(`b-${Math.random()}`)
    await Promise.all(stores.map((s) => s.ready()))
  })
  afterAll(async () => {
    for (const s of stores) await s.close()
    for (const c of clients) c.disconnect()
  })

  it('opens on both when an instance opens its own breaker', async () => {
    const cred = `cred_${Math.random().toString(36).slice(2)}`
    for (let i = 0; i < 5; i++) {
      expect(a.get(cred, 'm').tryAcquire()).toBe(true)
      a.get(cred, 'm').failure()
    }
    expect(a.peek(cred, 'm')?.state).toBe('open')
    b.get(cred, 'm')
    await until('b follows a', () => b.peek(cred, 'm')?.state === 'open')
    expect(b.get(cred, 'm').tryAcquire()).toBe(false)
  })

  it('counts failures from every instance in one window', async () => {
    const cred = `cred_${Math.random().toString(36).slice(2)}`
    for (let i = 0; i < 3; i++) a.get(cred, 'm').failure()
    for (let i = 0; i < 2; i++) b.get(cred, 'm').failure()
    // Neither saw five failures itself; together they did.
    await Promise.all(stores.map((s) => s.flush()))
    await until('both open', () => a.peek(cred, 'm')?.state === 'open' && b.peek(cred, 'm')?.state === 'open')
  })

  it('a successful probe on one instance closes the breaker on the other', async () => {
    const cred = `cred_${Math.random().toString(36).slice(2)}`
    for (let i = 0; i < 5; i++) a.get(cred, 'm').failure()
    await until('b open', () => b.peek(cred, 'm')?.state === 'open')
    t += OPTS.openMs
    expect(b.get(cred, 'm').tryAcquire()).toBe(true) // b's probe
    b.get(cred, 'm').success()
    expect(b.peek(cred, 'm')?.state).toBe('closed')
    await until('a closes', () => a.get(cred, 'm').state === 'closed')
    expect(a.get(cred, 'm').tryAcquire()).toBe(true)
  })

  it('a breaker created after the target opened elsewhere starts open', async () => {
    const cred = `cred_${Math.random().toString(36).slice(2)}`
    for (let i = 0; i < 5; i++) a.get(cred, 'late').failure()
    // A third instance that starts now has missed the message.
    const c = instance(`c-${Math.random()}`)
    await stores.at(-1)!.ready()
    await until('a published', () => a.peek(cred, 'late')?.state === 'open')
    for (let i = 0; i < 100 && !(await stores[0]!.isOpen(cred, 'late')); i++)
      await new Promise((r) => setTimeout(r, 20))
    c.get(cred, 'late')
    await until('c starts open', () => c.peek(cred, 'late')?.state === 'open')
  })
})
