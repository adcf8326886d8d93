import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyChain } from '../../src/audit/audit-query.js'
import { AppError } from '../../src/errors/app-error.js'
import type { BudgetContext } from '../../src/gateway/spec/v1/budget-guard.js'
import { RedisBudgetCounters } from '../../src/usage/budgets/budget-counters.js'
import { CounterBudgetGuard, type ThresholdAlert } from '../../src/usage/budgets/budget-guard.js'
import { createTestEnv, DIALECTS, REDIS_URL, type TestEnv } from '../helpers.js'

type Variant = { dialect: (typeof DIALECTS)[number]; redis: boolean }
const VARIANTS: Variant[] = [
  ...DIALECTS.map((dialect) => ({ dialect, redis: false })),
  ...(REDIS_URL ? [{ dialect: 'sqlite' as const, redis: true }] : []),
]
if (!REDIS_URL) console.info('[latchkey tests] TEST_REDIS_URL unset: Redis budget variant skipped')

describe.each(VARIANTS)('budgets (%o)', ({ dialect, redis }) => {
  let env: TestEnv
  beforeAll(async () => {
    env = await createTestEnv(dialect, { redis })
  })
  afterAll(async () => {
    await env?.close()
  })

  async function principalFor(role: 'member' | 'owner' = 'member') {
    const p = await env.rt.auth.authenticateToken(env.tokens[role])
    if (!p) throw new Error('no principal')
    return p
  }

  /** A real credential of the org: a budget's scope must be one. */
  async function newCredential(name: string): Promise<string> {
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: env.auth('admin'),
      payload: { name, provider: 'openai', apiKey: `sk-budget-test-${name}-0123456789`, scope: 'org' },
    })
    expect(res.statusCode, res.body).toBe(201)
    return res.json().id as string
  }

  async function createBudget(body: Record<string, unknown>) {
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/budgets',
      headers: env.auth('admin'),
      payload: body,
    })
    expect(res.statusCode, res.body).toBe(201)
    return res.json() as { id: string; name: string }
  }

  it('100 concurrent reserves against a budget worth 10 requests: exactly 10 pass', async () => {
    const p = await principalFor()
    const credentialId = await newCredential(`cred_race_${redis ? 'r' : 'm'}_${dialect}`)
    const b = await createBudget({
      name: `race-${credentialId}`,
      scope: 'credential',
      scopeId: credentialId,
      limitUsd: 1,
      window: 'day',
    })
    const ctx: BudgetContext = {
      principal: p,
      workspaceId: env.workspaceId,
      credentialId,
      provider: 'openai',
      model: 'gpt-4o',
    }
    const estimate = { inputTokens: 100, maxOutputTokens: 100, costUsd: 0.1 }
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, () => env.rt.budget.reserve(ctx, estimate)),
    )
    const ok = results.filter((r) => r.status === 'fulfilled')
    expect(ok.length).toBe(10)
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    expect(refused.reason).toBeInstanceOf(AppError)
    expect(refused.reason.status).toBe(429)
    expect(refused.reason.message).toContain(b.name)
    // Settling for less frees room again; settling never lets spend pass the limit by more than one request.
    for (const r of ok)
      await env.rt.budget.settle((r as PromiseFulfilledResult<never>).value, {
        usage: { inputTokens: 50, outputTokens: 50 },
        costUsd: 0.05,
      })
    const again = await Promise.allSettled(
      Array.from({ length: 100 }, () => env.rt.budget.reserve(ctx, estimate)),
    )
    expect(again.filter((r) => r.status === 'fulfilled').length).toBe(5)
  })

  it('a budget that refuses a call releases what the budgets before it reserved for that call', async () => {
    const p = await principalFor()
    const credentialId = await newCredential(`cred_pair_${redis ? 'r' : 'm'}_${dialect}`)
    // Two budgets cover the same calls; the roomy one is checked first.
    await createBudget({
      name: `roomy-${credentialId}`,
      scope: 'credential',
      scopeId: credentialId,
      limitUsd: 1,
      window: 'day',
    })
    const tight = await createBudget({
      name: `tight-${credentialId}`,
      scope: 'credential',
      scopeId: credentialId,
      limitUsd: 0.05,
      window: 'day',
    })
    const ctx: BudgetContext = {
      principal: p,
      workspaceId: env.workspaceId,
      credentialId,
      provider: 'openai',
      model: 'gpt-4o',
    }
    const estimate = { inputTokens: 100, maxOutputTokens: 100, costUsd: 0.1 }
    for (let i = 0; i < 5; i++) await expect(env.rt.budget.reserve(ctx, estimate)).rejects.toThrow(tight.name)
    const del = await env.app.inject({
      method: 'DELETE',
      url: `/api/v1/budgets/${tight.id}`,
      headers: env.auth('admin'),
    })
    expect(del.statusCode).toBe(204)
    // The five refused calls held nothing of the roomy budget: it still has room for ten.
    const results = await Promise.allSettled(
      Array.from({ length: 11 }, () => env.rt.budget.reserve(ctx, estimate)),
    )
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(10)
  })

  it('a second instance sharing the store sees the same budget (Redis) or its own (memory)', async () => {
    if (!redis || !env.rt.redis) return
    const p = await principalFor()
    const credentialId = await newCredential('cred_two_instances')
    await createBudget({
      name: 'two-instances',
      scope: 'credential',
      scopeId: credentialId,
      limitTokens: 1000,
      window: 'month',
    })
    const other = new CounterBudgetGuard(env.rt.db.db, new RedisBudgetCounters(env.rt.redis), env.rt.logger)
    await other.reload()
    const ctx: BudgetContext = {
      principal: p,
      workspaceId: null,
      credentialId,
      provider: 'openai',
      model: 'm',
    }
    const est = { inputTokens: 50, maxOutputTokens: 50, costUsd: null }
    const all = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? other : env.rt.budget).reserve(ctx, est)),
    )
    expect(all.filter((r) => r.status === 'fulfilled').length).toBe(10)
  })

  it('a budget of 0 refuses every call cleanly, even with an unknown price', async () => {
    const p = await principalFor()
    const credentialId = await newCredential(`cred_zero_${redis}`)
    await createBudget({
      name: `zero-${redis}-${dialect}`,
      scope: 'credential',
      scopeId: credentialId,
      limitUsd: 0,
    })
    const ctx: BudgetContext = {
      principal: p,
      workspaceId: null,
      credentialId,
      provider: 'ollama',
      model: 'x',
    }
    await expect(
      env.rt.budget.reserve(ctx, { inputTokens: 1, maxOutputTokens: 1, costUsd: null }),
    ).rejects.toMatchObject({
      status: 429,
      code: 'budget_exceeded',
    })
  })

  it('a sub-cent budget refused on its pre-call estimate says so and names max_tokens; one refused on spend does not', async () => {
    const p = await principalFor()
    const credentialId = await newCredential(`cred_est_${redis}`)
    const b = await createBudget({
      name: `est-${redis}-${dialect}`,
      scope: 'credential',
      scopeId: credentialId,
      limitUsd: 0.005,
    })
    const list = await env.app.inject({ method: 'GET', url: '/api/v1/budgets', headers: env.auth('admin') })
    expect(list.json().data.find((x: { id: string }) => x.id === b.id).limitUsd).toBe(0.005)
    const ctx: BudgetContext = {
      principal: p,
      workspaceId: null,
      credentialId,
      provider: 'openai',
      model: 'm',
    }
    const big = { inputTokens: 20, maxOutputTokens: 4096, costUsd: 0.0123 }
    const refused = await env.rt.budget.reserve(ctx, big).catch((e: unknown) => e)
    expect(refused).toMatchObject({
      status: 429,
      code: 'budget_exceeded',
      details: { refusedOn: 'estimate' },
    })
    const msg = (refused as Error).message
    expect(msg).toContain('pre-call estimate, not on spend')
    expect(msg).toContain('$0.00 spent, $0.005 left, this call could cost up to $0.0123')
    expect(msg).toContain('up to 4096 output tokens')
    expect(msg).toContain('set max_tokens lower')
    // Within the limit it passes; once actual spend passes the limit, the refusal is plain.
    const r = await env.rt.budget.reserve(ctx, { inputTokens: 20, maxOutputTokens: 10, costUsd: 0.004 })
    await env.rt.budget.settle(r, { usage: { inputTokens: 20, outputTokens: 10 }, costUsd: 0.006 })
    const spent = await env.rt.budget
      .reserve(ctx, { inputTokens: 1, maxOutputTokens: 1, costUsd: 0.0001 })
      .catch((e: unknown) => e)
    expect(spent).toMatchObject({ status: 429, code: 'budget_exceeded' })
    expect((spent as Error).message).toMatch(/exceeded \(\$0\.005 per month\)$/)
    expect((spent as { details: Record<string, unknown> }).details.refusedOn).toBeUndefined()
  })

  it('USD limits are exact to the micro-dollar: kept as given, finer digits refused', async () => {
    const b = await createBudget({ name: `micro-${redis}-${dialect}`, limitUsd: 0.07 })
    const get = async () =>
      (await env.app.inject({ method: 'GET', url: '/api/v1/budgets', headers: env.auth('admin') }))
        .json()
        .data.find((x: { id: string }) => x.id === b.id)
    expect((await get()).limitUsd).toBe(0.07)
    const patch = await env.app.inject({
      method: 'PATCH',
      url: `/api/v1/budgets/${b.id}`,
      headers: env.auth('admin'),
      payload: { limitUsd: 0.000001 },
    })
    expect(patch.statusCode, patch.body).toBe(200)
    expect((await get()).limitUsd).toBe(0.000001)
    const fine = await env.app.inject({
      method: 'POST',
      url: '/api/v1/budgets',
      headers: env.auth('admin'),
      payload: { name: `too-fine-${redis}-${dialect}`, limitUsd: 0.0000001 },
    })
    expect(fine.statusCode).toBe(400)
    expect(fine.json().error.message).toMatch(/limitUsd.*at most 6 decimal places/)
    await env.app.inject({ method: 'DELETE', url: `/api/v1/budgets/${b.id}`, headers: env.auth('admin') })
  })

  it('token and user scopes apply only to their principal', async () => {
    const member = await principalFor('member')
    const owner = await principalFor('owner')
    await createBudget({
      name: `tok-${redis}-${dialect}`,
      scope: 'token',
      scopeId: member.tokenId,
      limitTokens: 150,
    })
    const ctx = (p: typeof member): BudgetContext => ({
      principal: p,
      workspaceId: null,
      credentialId: 'c_tok',
      provider: 'openai',
      model: 'm',
    })
    const est = { inputTokens: 50, maxOutputTokens: 50, costUsd: null }
    await env.rt.budget.reserve(ctx(member), est)
    await expect(env.rt.budget.reserve(ctx(member), est)).rejects.toMatchObject({ status: 429 })
    await expect(env.rt.budget.reserve(ctx(owner), est)).resolves.toBeTruthy()
  })

  it('threshold alerts fire once at 50/80/100 % and are audited', async () => {
    const p = await principalFor()
    const alerts: ThresholdAlert[] = []
    const guard = new CounterBudgetGuard(
      env.rt.db.db,
      redis && env.rt.redis
        ? new RedisBudgetCounters(env.rt.redis, `latchkey:budget:t${Date.now()}:`)
        : new (await import('../../src/usage/budgets/budget-counters.js')).MemoryBudgetCounters(),
      env.rt.logger,
      (a) => alerts.push(a),
    )
    const credentialId = await newCredential(`cred_alert_${redis}`)
    await createBudget({
      name: `alert-${redis}-${dialect}`,
      scope: 'credential',
      scopeId: credentialId,
      limitUsd: 1,
      window: 'month',
    })
    await guard.reload()
    const ctx: BudgetContext = {
      principal: p,
      workspaceId: null,
      credentialId,
      provider: 'openai',
      model: 'm',
    }
    for (const spend of [0.3, 0.3, 0.3, 0.3]) {
      const r = await guard.reserve(ctx, { inputTokens: 1, maxOutputTokens: 1, costUsd: 0.1 })
      await guard.settle(r, { usage: { inputTokens: 1, outputTokens: 1 }, costUsd: spend })
    }
    expect(alerts.map((a) => a.threshold)).toEqual([50, 80, 100])
    // The runtime's alerts path writes an audit record (system actor) in the org's chain.
    const before = await verifyChain(env.rt.db.db, env.orgId, { mac: env.rt.usage.chainMac })
    expect(before.ok).toBe(true)
  })

  it('rejects malformed budgets with 400 naming the field', async () => {
    const bad = [
      [{ scope: 'org' }, 'limitUsd'],
      [{ scope: 'user', limitUsd: 1 }, 'scopeId'],
      [{ scope: 'org', limitUsd: 1, window: 'fixed' }, 'startsAt'],
      [{ scope: 'org', limitUsd: -1 }, 'limitUsd'],
      [{ scope: 'org', limitUsd: 1, alertUrl: 'file:///etc/passwd' }, 'alertUrl'],
      [{ scope: 'org', limitUsd: 1, surprise: true }, 'surprise'],
    ] as const
    for (const [body, field] of bad) {
      const res = await env.app.inject({
        method: 'POST',
        url: '/api/v1/budgets',
        headers: env.auth('admin'),
        payload: body,
      })
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.body).toContain(field)
    }
    const member = await env.app.inject({
      method: 'POST',
      url: '/api/v1/budgets',
      headers: env.auth('member'),
      payload: { limitUsd: 1 },
    })
    expect(member.statusCode).toBe(403)
  })

  it('lists budgets with current spend; changes are audited', async () => {
    const b = await createBudget({
      name: `listed-${dialect}-${redis}`,
      scope: 'org',
      limitUsd: 500,
      window: 'month',
    })
    const res = await env.app.inject({ method: 'GET', url: '/api/v1/budgets', headers: env.auth('member') })
    expect(res.statusCode).toBe(200)
    const list = res.json().data as {
      id: string
      name: string
      spentUsd: number
      windowStart: string | null
    }[]
    const listed = list.find((x) => x.id === b.id)
    expect(listed).toMatchObject({ name: b.name, spentUsd: expect.any(Number) })
    expect(listed!.windowStart).not.toBeNull()
    const audit = await env.app.inject({
      method: 'GET',
      url: '/api/v1/audit?action=budget.created&limit=500',
      headers: env.auth('auditor'),
    })
    const records = audit.json().data as { action: string; details: Record<string, unknown>; actor: string }[]
    const mine = records.filter((r) => JSON.stringify(r).includes(b.id))
    expect(mine).toHaveLength(1)
    expect(mine[0]!.action).toBe('budget.created')
  })

  it('deletes a budget of its own org once, audited; a second delete is 404', async () => {
    const b = await createBudget({
      name: `gone-${dialect}-${redis}`,
      scope: 'org',
      limitUsd: 5,
      window: 'month',
    })
    const del = () =>
      env.app.inject({ method: 'DELETE', url: `/api/v1/budgets/${b.id}`, headers: env.auth('admin') })
    expect((await del()).statusCode).toBe(204)
    expect((await del()).statusCode).toBe(404)
    const audit = await env.app.inject({
      method: 'GET',
      url: '/api/v1/audit?action=budget.deleted',
      headers: env.auth('auditor'),
    })
    expect(audit.json().data.map((e: { targetId: string }) => e.targetId)).toContain(b.id)
  })
})
