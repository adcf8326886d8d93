/**
 * The gateway's call policy, unit by unit: breakers (thresholds, window buckets, probes,
 * sharing across instances, the bounded map), rate limits (which subject, which limit, the
 * retry-after it answers) and plans (target order, policy, what a model name may resolve to).
 * Written against the surviving mutants of `MUTATE_AREA=gateway npm run mutate`: each case
 * pins a boundary or a branch the end-to-end suites crossed without looking (docs/testing.md).
 */
import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/errors/app-error.js'
import {
  Breaker,
  type BreakerOptions,
  type BreakerState,
  type BreakerStore,
  Breakers,
  DEFAULT_BREAKER,
  MAX_BREAKERS,
} from '../../src/gateway/breaker.js'
import { RateLimiter } from '../../src/gateway/limits.js'
import {
  DEFAULT_POLICY,
  endpointPath,
  planFor,
  resolveTarget,
  weightedOrder,
} from '../../src/gateway/plan.js'
import { adapterFor, registerAdapter } from '../../src/gateway/provider-adapter.js'
import type { StoredRoute } from '../../src/gateway/routes-store.js'
import type { CredentialLookup, CredentialMaterial } from '../../src/gateway/spec/v1/index.js'
import type { Principal } from '../../src/identity/principal.js'
import type { OrgLimits } from '../../src/identity/settings.js'
import { openAICompatibleAdapter } from '../../src/providers/openai-compatible/openai-compatible-adapter.js'
import { MemoryCounterStore } from '../../src/state/counters.js'
import { manualClock } from '../helpers.js'

const OPTS: BreakerOptions = {
  windowMs: 1000,
  minRequests: 4,
  failureRate: 0.5,
  openMs: 500,
  halfOpenProbes: 1,
}

function breaker(opts: Partial<BreakerOptions> = {}, start = 10_000) {
  const clock = manualClock(start)
  const states: BreakerState[] = []
  const outcomes: boolean[] = []
  const b = new Breaker(
    { ...OPTS, ...opts },
    (s) => states.push(s),
    clock,
    (f) => outcomes.push(f),
  )
  return { b, clock, states, outcomes }
}

describe('breaker thresholds', () => {
  it('opens exactly at minRequests and at the failure rate, not below either', () => {
    const { b } = breaker()
    b.success()
    b.failure()
    b.failure()
    expect(b.state).toBe('closed') // 3 < minRequests, though 2/3 failed
    b.success()
    expect(b.state).toBe('closed') // 4 calls, 2 failures: checked on failures only
    b.failure() // 3 of 5 ≥ 0.5
    expect(b.state).toBe('open')

    const below = breaker({ failureRate: 0.6 }).b
    for (const ok of [true, true, false, false, true]) ok ? below.success() : below.failure()
    below.failure() // 3 of 6 = 0.5 < 0.6
    expect(below.state).toBe('closed')
    below.failure() // 4 of 7 ≈ 0.57 < 0.6
    expect(below.state).toBe('closed')
    below.failure() // 5 of 8 = 0.625
    expect(below.state).toBe('open')
  })

  it('counts a rate equal to the threshold as failing (2 of 4 at 0.5)', () => {
    const { b } = breaker()
    b.success()
    b.success()
    b.failure()
    b.failure()
    expect(b.state).toBe('open')
  })

  it('snapshots the window: requests, failures, rate, and when it opened', () => {
    const { b, clock } = breaker()
    expect(b.snapshot()).toEqual({
      state: 'closed',
      requests: 0,
      failures: 0,
      failureRate: 0,
      openedAt: null,
    })
    b.success()
    b.success()
    b.success()
    b.failure()
    expect(b.snapshot()).toEqual({
      state: 'closed',
      requests: 4,
      failures: 1,
      failureRate: 0.25,
      openedAt: null,
    })
    b.failure()
    b.failure()
    const opened = clock()
    expect(b.state).toBe('open')
    // Opening starts a fresh window: the outcomes that opened it are not held against the probe.
    expect(b.snapshot()).toEqual({
      state: 'open',
      requests: 0,
      failures: 0,
      failureRate: 0,
      openedAt: opened,
    })
    clock.advance(499)
    expect(b.snapshot().state).toBe('open')
    clock.advance(1)
    expect(b.snapshot().state).toBe('half_open') // what the next call would see
    expect(b.state).toBe('open') // but only a call moves it
  })

  it('reports outcomes for sharing only while closed', () => {
    const { b, clock, outcomes } = breaker({ minRequests: 1 })
    b.success()
    b.failure()
    expect(outcomes).toEqual([false, true])
    expect(b.state).toBe('open')
    b.failure() // open: ignored, not counted, not reported
    expect(b.snapshot().requests).toBe(0)
    b.success() // a call let through before it opened, ending late: counted, not reported
    expect(outcomes).toEqual([false, true])
    expect(b.snapshot()).toMatchObject({ state: 'open', requests: 1, failures: 0 })
    clock.advance(500)
    expect(b.tryAcquire()).toBe(true)
    b.success() // the probe closes it; not a windowed outcome
    expect(outcomes).toEqual([false, true])
    expect(b.state).toBe('closed')
    expect(b.snapshot().requests).toBe(0)
  })
})

describe('breaker window', () => {
  it('keeps an outcome for the whole window and drops it at the window edge', () => {
    const { b, clock } = breaker({ minRequests: 2, windowMs: 1000 }, 0)
    b.failure() // bucket 0 of [0, 100)
    clock.advance(999) // bucket 9: still inside the window
    expect(b.snapshot().requests).toBe(1)
    clock.advance(1) // t = 1000: bucket 0 of the next window — the old outcome is gone
    expect(b.snapshot().requests).toBe(0)
  })

  it('sums outcomes over every bucket of the window, not only the current one', () => {
    const { b, clock } = breaker({ minRequests: 4, windowMs: 1000 }, 0)
    b.failure()
    clock.advance(100)
    b.success()
    clock.advance(100)
    b.failure()
    expect(b.snapshot()).toMatchObject({ requests: 3, failures: 2 })
    clock.advance(100)
    b.success()
    expect(b.state).toBe('closed')
    clock.advance(100)
    b.failure() // 3 of 5 over four buckets
    expect(b.state).toBe('open')
  })

  it('reuses a bucket slot for a new epoch without keeping the old counts', () => {
    const { b, clock } = breaker({ minRequests: 100, windowMs: 1000 }, 0)
    b.failure()
    b.failure()
    clock.advance(1000) // same slot (0), next epoch
    b.success()
    expect(b.snapshot()).toMatchObject({ requests: 1, failures: 0 })
  })
})

describe('breaker probes', () => {
  it('lets halfOpenProbes calls through at once, and frees a slot on each outcome', () => {
    const { b, clock, states } = breaker({ minRequests: 1, halfOpenProbes: 2 })
    b.failure()
    expect(b.tryAcquire()).toBe(false)
    clock.advance(500)
    expect(b.tryAcquire()).toBe(true)
    expect(b.tryAcquire()).toBe(true)
    expect(b.tryAcquire()).toBe(false)
    b.release()
    expect(b.state).toBe('half_open')
    expect(b.tryAcquire()).toBe(true)
    b.failure()
    expect(b.state).toBe('open')
    expect(states).toEqual(['open', 'half_open', 'open'])
    clock.advance(499)
    expect(b.tryAcquire()).toBe(false) // the failed probe restarted openMs
  })

  it('a release while closed changes nothing', () => {
    const { b } = breaker()
    b.release()
    b.release()
    expect(b.tryAcquire()).toBe(true)
    expect(b.snapshot()).toMatchObject({ state: 'closed', requests: 0 })
  })

  it('after a probe closes it, the next failures need minRequests again', () => {
    const { b, clock } = breaker({ minRequests: 2 })
    b.failure()
    b.failure()
    clock.advance(500)
    expect(b.tryAcquire()).toBe(true)
    b.success()
    expect(b.state).toBe('closed')
    b.failure()
    expect(b.state).toBe('closed') // the failures before opening were forgotten
    expect(b.tryAcquire()).toBe(true)
  })

  it('forceOpen and forceClose follow another instance, once, and reset probes', () => {
    const { b, clock, states } = breaker({ minRequests: 1 })
    b.forceClose() // already closed: nothing
    expect(states).toEqual([])
    b.forceOpen()
    b.forceOpen()
    expect(states).toEqual(['open'])
    expect(b.openedAt).toBe(clock())
    clock.advance(500)
    expect(b.tryAcquire()).toBe(true) // holds the only probe
    b.forceOpen() // opened elsewhere: the probe slot is given back, openMs restarts
    expect(b.state).toBe('open')
    clock.advance(500)
    expect(b.tryAcquire()).toBe(true)
    b.forceClose()
    expect(b.state).toBe('closed')
    expect(states).toEqual(['open', 'half_open', 'open', 'half_open', 'closed'])
    b.failure()
    expect(b.state).toBe('open') // counts from an empty window: 1 of 1
  })

  it('the default options are the documented ones', () => {
    expect(DEFAULT_BREAKER).toEqual({
      windowMs: 30_000,
      minRequests: 5,
      failureRate: 0.5,
      openMs: 30_000,
      halfOpenProbes: 1,
    })
  })
})

/** A BreakerStore that records what it is told and lets a test speak for other instances. */
function recordingStore(openElsewhere = new Set<string>()) {
  const records: [string, string, boolean][] = []
  const changes: [string, string, BreakerState][] = []
  let listener: ((c: string, m: string, s: 'open' | 'closed') => void) | undefined
  const store: BreakerStore = {
    record: (c, m, failed) => records.push([c, m, failed]),
    changed: (c, m, s) => changes.push([c, m, s]),
    isOpen: async (c, m) => openElsewhere.has(`${c}/${m}`),
    listen: (fn) => {
      listener = fn
    },
  }
  return {
    store,
    records,
    changes,
    remote: (c: string, m: string, s: 'open' | 'closed') => listener!(c, m, s),
  }
}

describe('breakers per target', () => {
  it('one breaker per (credential, model); changes name their target', () => {
    const seen: string[] = []
    const all = new Breakers({ ...OPTS, minRequests: 1 }, (c, m, s) => seen.push(`${c}/${m}:${s}`))
    const a = all.get('cred_1', 'gpt')
    expect(all.get('cred_1', 'gpt')).toBe(a)
    expect(all.get('cred_1', 'gpt-mini')).not.toBe(a)
    expect(all.get('cred_2', 'gpt')).not.toBe(a)
    // The key cannot be forged by a model name that contains the separator-free concatenation.
    expect(all.get('cred_1g', 'pt')).not.toBe(a)
    expect(all.size).toBe(4)
    a.failure()
    expect(seen).toEqual(['cred_1/gpt:open'])
    expect(all.peek('cred_1', 'gpt')?.state).toBe('open')
    expect(all.peek('cred_9', 'gpt')).toBeUndefined()
  })

  it('tells the store its outcomes and changes, but not the changes the store brought', async () => {
    const s = recordingStore()
    const all = new Breakers({ ...OPTS, minRequests: 1 }, () => {}, Date.now, s.store)
    const b = all.get('c', 'm')
    b.success()
    b.failure()
    expect(s.records).toEqual([
      ['c', 'm', false],
      ['c', 'm', true],
    ])
    expect(s.changes).toEqual([['c', 'm', 'open']])
    s.remote('c', 'm', 'closed')
    expect(b.state).toBe('closed')
    s.remote('c', 'm', 'open')
    expect(b.state).toBe('open')
    expect(s.changes).toEqual([['c', 'm', 'open']]) // nothing echoed back
    // A change after a remote one is sent again (the flag was reset).
    s.remote('c', 'm', 'closed')
    b.failure()
    expect(s.changes).toEqual([
      ['c', 'm', 'open'],
      ['c', 'm', 'open'],
    ])
  })

  it('a breaker created here opens at once when the target is open elsewhere, silently', async () => {
    const s = recordingStore(new Set(['c/m']))
    const all = new Breakers(OPTS, () => {}, Date.now, s.store)
    const b = all.get('c', 'm')
    const other = all.get('c', 'other')
    expect(b.state).toBe('closed') // decided without waiting for the store
    await new Promise((r) => setImmediate(r))
    expect(b.state).toBe('open')
    expect(other.state).toBe('closed')
    expect(s.changes).toEqual([])
    b.forceClose()
    b.failure() // local opening afterwards is shared again
    expect(s.records.length).toBeGreaterThan(0)
  })

  it('a store that cannot answer leaves the breaker closed', async () => {
    const s = recordingStore()
    s.store.isOpen = async () => {
      throw new Error('redis down')
    }
    const all = new Breakers(OPTS, () => {}, Date.now, s.store)
    const b = all.get('c', 'm')
    await new Promise((r) => setImmediate(r))
    expect(b.state).toBe('closed')
  })

  it('stays bounded: idle closed breakers go first, open ones last', () => {
    const all = new Breakers({ ...OPTS, minRequests: 1 })
    const open = all.get('c', 'open-0')
    open.failure()
    const busy = all.get('c', 'busy-1')
    busy.success()
    for (let i = 2; i < MAX_BREAKERS; i++) all.get('c', `idle-${i}`)
    expect(all.size).toBe(MAX_BREAKERS)
    all.get('c', 'one-more')
    expect(all.size).toBe(Math.floor(MAX_BREAKERS * 0.9) + 1)
    expect(all.peek('c', 'open-0')?.state).toBe('open')
    expect(all.peek('c', 'busy-1')?.requests).toBe(1) // had outcomes: kept while idle ones go
    expect(all.peek('c', 'idle-2')).toBeUndefined() // the oldest idle went
    expect(all.peek('c', `idle-${MAX_BREAKERS - 1}`)).toBeDefined()
  })

  it('when only busy breakers are left, closed ones go before open ones', () => {
    const all = new Breakers({ ...OPTS, minRequests: 1 })
    for (let i = 0; i < MAX_BREAKERS; i++) {
      const b = all.get('c', `m-${i}`)
      if (i < 200) b.failure()
      else b.success()
    }
    all.get('c', 'one-more')
    expect(all.size).toBe(Math.floor(MAX_BREAKERS * 0.9) + 1)
    for (let i = 0; i < 200; i++) expect(all.peek('c', `m-${i}`)?.state).toBe('open')
  })

  it('configure applies new thresholds and forgets existing breakers', () => {
    const all = new Breakers(OPTS)
    all.get('c', 'm').failure()
    all.configure({ minRequests: 1 })
    expect(all.size).toBe(0)
    const b = all.get('c', 'm')
    b.failure()
    expect(b.state).toBe('open') // minRequests 1 now; windowMs etc. kept from before
    expect(b.snapshot().openedAt).not.toBeNull()
  })
})

const principal = (over: Partial<Principal> = {}): Principal =>
  ({
    kind: 'token',
    id: 'tok_a',
    name: 'ci',
    orgId: 'org_1',
    workspaceId: 'ws_1',
    userId: 'usr_1',
    role: 'member',
    workspaceRoles: {},
    tokenId: 'tok_a',
    scopes: [],
    sessionId: null,
    csrfHash: null,
    expiresAt: null,
    ...over,
  }) as Principal

function limiter(limits: OrgLimits, start = 60_000 * 1000 + 15_000) {
  const clock = manualClock(start)
  const counters = new MemoryCounterStore(clock)
  const rl = new RateLimiter(counters, { get: () => ({ limits }) }, clock)
  return { rl, clock, counters }
}

async function refusal(p: Promise<void> | undefined): Promise<AppError> {
  const err = await p?.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(AppError)
  return err as AppError
}

describe('rate limits', () => {
  it('costs nothing when the org sets no limit', () => {
    const { rl } = limiter({})
    expect(rl.admit(principal(), 'ws_1')).toBeUndefined()
  })

  it('any one limit switches counting on', async () => {
    for (const key of ['tokenRpm', 'tokenTpm', 'workspaceRpm', 'workspaceTpm'] as const) {
      const { rl } = limiter({ [key]: 5 })
      expect(rl.admit(principal(), 'ws_1')).toBeInstanceOf(Promise)
    }
  })

  it('refuses the request past tokenRpm with 429, its code and the seconds to the window end', async () => {
    const { rl, clock } = limiter({ tokenRpm: 2 })
    await rl.admit(principal(), 'ws_1')
    await rl.admit(principal(), 'ws_1') // exactly the limit is allowed
    const err = await refusal(rl.admit(principal(), 'ws_1'))
    expect(err.status).toBe(429)
    expect(err.code).toBe('requests_per_minute')
    expect(err.message).toBe('access token reached its 2 requests per minute')
    expect(err.headers['retry-after']).toBe('45') // 15 s into the minute
    // Another token has its own count; a new minute starts afresh.
    await rl.admit(principal({ tokenId: 'tok_b', id: 'tok_b' }), 'ws_1')
    clock.advance(45_000)
    await rl.admit(principal(), 'ws_1')
  })

  it('a workspace limit counts every token of the workspace, and only that workspace', async () => {
    const { rl } = limiter({ workspaceRpm: 1 })
    await rl.admit(principal(), 'ws_1')
    const err = await refusal(rl.admit(principal({ tokenId: 'tok_b', id: 'tok_b' }), 'ws_1'))
    expect(err.message).toBe('workspace reached its 1 requests per minute')
    await rl.admit(principal(), 'ws_2')
    await rl.admit(principal(), null) // no workspace: only token limits could apply
    await rl.admit(principal(), null)
  })

  it('a browser session (no token) is held to workspace limits only', async () => {
    const { rl } = limiter({ tokenRpm: 1, workspaceRpm: 2 })
    const user = principal({ kind: 'user', tokenId: null, id: 'usr_1' })
    await rl.admit(user, 'ws_1')
    await rl.admit(user, 'ws_1') // tokenRpm 1 does not apply to a session
    const err = await refusal(rl.admit(user, 'ws_1'))
    expect(err.code).toBe('requests_per_minute')
    expect(err.message).toContain('workspace')
  })

  it('tokens per minute: charged after the call, refused once the window used them all', async () => {
    const { rl, clock } = limiter({ tokenTpm: 100 })
    await rl.admit(principal(), 'ws_1')
    rl.charge(principal(), 'ws_1', 99)
    await new Promise((r) => setImmediate(r))
    await rl.admit(principal(), 'ws_1') // 99 < 100
    rl.charge(principal(), 'ws_1', 1)
    await new Promise((r) => setImmediate(r))
    const err = await refusal(rl.admit(principal(), 'ws_1'))
    expect(err.code).toBe('tokens_per_minute')
    expect(err.message).toBe('access token used its 100 tokens per minute')
    expect(err.headers['retry-after']).toBe('45')
    clock.advance(45_000)
    await rl.admit(principal(), 'ws_1')
  })

  it('charges only subjects that have a token limit, and nothing for an empty call', async () => {
    const { rl, counters } = limiter({ workspaceTpm: 10, tokenRpm: 100 })
    rl.charge(principal(), 'ws_1', 7)
    rl.charge(principal(), 'ws_1', 0)
    rl.charge(principal(), 'ws_1', -5)
    await new Promise((r) => setImmediate(r))
    expect(await counters.get('gw:ws:ws_1:tpm', 60_000)).toBe(7)
    expect(await counters.get('gw:tok:tok_a:tpm', 60_000)).toBe(0)
    const none = limiter({ tokenRpm: 5 })
    none.rl.charge(principal(), 'ws_1', 50)
    await new Promise((r) => setImmediate(r))
    expect(await none.counters.get('gw:tok:tok_a:tpm', 60_000)).toBe(0)
  })

  it('a failing counter store never fails the charge', async () => {
    const rl = new RateLimiter(
      {
        add: () => Promise.reject(new Error('down')),
        get: async () => 0,
        reset: async () => {},
      },
      { get: () => ({ limits: { tokenTpm: 5 } }) },
    )
    expect(() => rl.charge(principal(), 'ws_1', 3)).not.toThrow()
    await new Promise((r) => setImmediate(r))
  })
})

const route = (over: Partial<StoredRoute> = {}): StoredRoute => ({
  id: 'rt_1',
  alias: 'smart',
  targets: [{ model: 'a/x', weight: 1 }],
  fallbacks: [],
  retry: { attempts: 3 },
  createdAt: 0,
  updatedAt: 0,
  ...over,
})

describe('plans', () => {
  it('a direct model is one target with the default policy', () => {
    expect(planFor('openai/gpt', undefined)).toEqual({
      requested: 'openai/gpt',
      route: null,
      models: ['openai/gpt'],
      policy: DEFAULT_POLICY,
    })
  })

  it('a route puts weighted targets first, then fallbacks in order, with its own policy', () => {
    const r = route({
      targets: [{ model: 'a/x', weight: 1 }],
      fallbacks: [{ model: 'b/y' }, { model: 'c/z' }],
      retry: { attempts: 4, backoffMs: 10, maxRetryAfterMs: 20 },
      timeoutMs: 1_000,
      deadlineMs: 2_000,
    })
    const plan = planFor('smart', r)
    expect(plan.models).toEqual(['a/x', 'b/y', 'c/z'])
    expect(plan.route).toBe(r)
    expect(plan.policy).toEqual({
      ...DEFAULT_POLICY,
      attempts: 4,
      backoffMs: 10,
      maxRetryAfterMs: 20,
      timeoutMs: 1_000,
      deadlineMs: 2_000,
    })
  })

  it('a route without timings keeps the defaults, and the deadline never undercuts one attempt', () => {
    expect(planFor('smart', route()).policy).toEqual({ ...DEFAULT_POLICY, attempts: 3 })
    const slow = planFor('smart', route({ timeoutMs: 600_000 })).policy
    expect(slow.deadlineMs).toBe(600_000)
    expect(planFor('smart', route({ timeoutMs: 1_000 })).policy.deadlineMs).toBe(DEFAULT_POLICY.deadlineMs)
  })

  it('weighted order: weight picks the first, 0 never, a missing weight counts 1', () => {
    const items = [{ model: 'a', weight: 3 }, { model: 'b' }, { model: 'z', weight: 0 }]
    // total 4: r in [0,3) → a; [3,4) → b
    expect(weightedOrder(items, () => 0.74).map((t) => t.model)).toEqual(['a', 'b'])
    expect(weightedOrder(items, () => 0.75).map((t) => t.model)).toEqual(['b', 'a'])
    expect(weightedOrder([{ model: 'z', weight: 0 }])).toEqual([])
    expect(weightedOrder([])).toEqual([])
    const three: { model: string; weight?: number }[] = [{ model: 'a' }, { model: 'b' }, { model: 'c' }]
    expect(weightedOrder(three, () => 0.5).map((t) => t.model)).toEqual(['b', 'c', 'a'])
    expect(weightedOrder(three, () => 0.99).map((t) => t.model)).toEqual(['c', 'b', 'a'])
  })

  it('names each endpoint by its path', () => {
    expect(endpointPath('chat')).toBe('/v1/chat/completions')
    expect(endpointPath('embeddings')).toBe('/v1/embeddings')
    expect(endpointPath('responses')).toBe('/v1/responses')
  })
})

const material = (over: Partial<CredentialMaterial> = {}): CredentialMaterial => ({
  credentialId: 'cred_1',
  name: 'openai',
  provider: 'openai',
  version: 1,
  baseUrl: 'https://api.openai.com/v1',
  region: null,
  apiKey: 'sk-test',
  models: [],
  orgId: 'org_1',
  workspaceId: null,
  ...over,
})

function lookup(byPrincipal: Record<string, CredentialMaterial[]>): CredentialLookup {
  return {
    find: async (p, name) => byPrincipal[p.id]?.find((c) => c.name === name) ?? null,
    list: async (p) => byPrincipal[p.id] ?? [],
  }
}

async function refused(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(AppError)
  return err as AppError
}

describe('resolving a model name', () => {
  // As the gateway's setup does at start.
  if (!adapterFor('openai')) registerAdapter(openAICompatibleAdapter)
  const me = principal({ id: 'tok_a' })
  const creds = lookup({
    tok_a: [material(), material({ name: 'narrow', credentialId: 'cred_2', models: ['gpt-4o'] })],
  })

  it('splits at the first slash: the rest is the upstream model, slashes and all', async () => {
    const t = await resolveTarget(creds, me, 'openai/org/model-1', 'chat')
    expect(t).toMatchObject({ model: 'openai/org/model-1', upstreamModel: 'org/model-1' })
    expect(t.credential.credentialId).toBe('cred_1')
    expect(t.adapter).toBeDefined()
  })

  it('refuses names without both halves, and unknown credentials, as model_not_found', async () => {
    for (const name of ['openai', '/gpt', 'openai/', 'nobody/gpt']) {
      const err = await refused(resolveTarget(creds, me, name, 'chat'))
      expect(err.status).toBe(404)
      expect(err.code).toBe('model_not_found')
      expect(err.param).toBe('model')
      expect(err.message).toContain(JSON.stringify(name))
    }
  })

  it("keeps to a credential's model allowlist", async () => {
    await expect(resolveTarget(creds, me, 'narrow/gpt-4o', 'chat')).resolves.toMatchObject({
      upstreamModel: 'gpt-4o',
    })
    const err = await refused(resolveTarget(creds, me, 'narrow/gpt-5', 'chat'))
    expect(err.status).toBe(404)
    expect(err.message).toBe('credential narrow does not allow model gpt-5 (allowed: gpt-4o)')
  })

  it("a run spends only a key its recipe's last editor resolves to the same credential", async () => {
    const editor = principal({ id: 'usr_ed', name: 'ed@example.com' })
    const both = lookup({
      tok_a: [material()],
      usr_ed: [material()],
    })
    await expect(resolveTarget(both, me, 'openai/gpt', 'chat', editor)).resolves.toBeDefined()
    const other = lookup({ tok_a: [material()], usr_ed: [material({ credentialId: 'cred_personal' })] })
    const err = await refused(resolveTarget(other, me, 'openai/gpt', 'chat', editor))
    expect(err.status).toBe(403)
    expect(err.code).toBe('credential_not_shared')
    expect(err.message).toContain('ed@example.com')
    const none = lookup({ tok_a: [material()] })
    expect((await refused(resolveTarget(none, me, 'openai/gpt', 'chat', editor))).status).toBe(403)
    const throwing: CredentialLookup = {
      find: async (p, name) => {
        if (p.id === 'usr_ed') throw new AppError(403, 'permission_error', 'no use right')
        return material({ name })
      },
      list: async () => [],
    }
    expect((await refused(resolveTarget(throwing, me, 'openai/gpt', 'chat', editor))).code).toBe(
      'credential_not_shared',
    )
    // The caller acting as its own editor is not asked twice.
    let asked = 0
    const counting: CredentialLookup = {
      find: async (_p, name) => {
        asked++
        return material({ name })
      },
      list: async () => [],
    }
    await resolveTarget(counting, me, 'openai/gpt', 'chat', me)
    expect(asked).toBe(1)
  })

  it('refuses a credential kind that cannot serve the endpoint, naming the path', async () => {
    const secrets = lookup({ tok_a: [material({ name: 'hook', provider: 'http-secret' })] })
    const err = await refused(resolveTarget(secrets, me, 'hook/x', 'embeddings'))
    expect(err.status).toBe(400)
    expect(err.code).toBe('unsupported_endpoint')
    expect(err.message).toBe('credential kind http-secret cannot serve this endpoint yet (/v1/embeddings)')
  })
})
