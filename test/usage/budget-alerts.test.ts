import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BudgetContext } from '../../src/gateway/spec/v1/budget-guard.js'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'

describe.each(DIALECTS)('budget threshold alerts through the runtime (%s)', (dialect) => {
  let env: TestEnv
  let server: http.Server
  const hooks: Record<string, unknown>[] = []
  // Alerts are fire-and-forget and sent concurrently: wait for the third, in any order.
  let thirdHook: () => void
  const threeHooks = new Promise<void>((r) => {
    thirdHook = r
  })
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = ''
      req.on('data', (c) => {
        body += c
      })
      req.on('end', () => {
        hooks.push(JSON.parse(body))
        if (hooks.length === 3) thirdHook()
        res.writeHead(204).end()
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    env = await createTestEnv(dialect)
  })
  afterAll(async () => {
    await env?.close()
    await new Promise((r) => server.close(r))
  })

  it('posts 50/80/100 % once each to the webhook and audits them', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/budgets',
      headers: env.auth('owner'),
      payload: { name: 'team-month', scope: 'org', limitUsd: 1, window: 'month', alertUrl: url },
    })
    expect(res.statusCode, res.body).toBe(201)
    const p = (await env.rt.auth.authenticateToken(env.tokens.member))!
    const ctx: BudgetContext = {
      principal: p,
      workspaceId: env.workspaceId,
      credentialId: 'c1',
      provider: 'openai',
      model: 'm',
    }
    for (let i = 0; i < 4; i++) {
      const r = await env.rt.budget.reserve(ctx, { inputTokens: 10, maxOutputTokens: 10, costUsd: 0.05 })
      await env.rt.budget.settle(r, { usage: { inputTokens: 10, outputTokens: 10 }, costUsd: 0.25 })
    }
    await expect(
      env.rt.budget.reserve(ctx, { inputTokens: 10, maxOutputTokens: 10, costUsd: 0.05 }),
    ).rejects.toMatchObject({ status: 429 })
    await threeHooks
    expect(hooks.map((h) => h.threshold as number).sort((a, b) => a - b)).toEqual([50, 80, 100])
    expect(hooks.find((h) => h.threshold === 50)).toMatchObject({
      type: 'budget.threshold',
      budget: { name: 'team-month' },
      limitUsd: 1,
    })
    const audit = await env.app.inject({
      method: 'GET',
      url: '/api/v1/audit?action=budget.threshold',
      headers: env.auth('auditor'),
    })
    const rows = audit.json().data as { actor: string; details: { threshold: number } }[]
    expect(rows.map((r) => r.details.threshold).sort((a, b) => a - b)).toEqual([50, 80, 100])
    expect(rows.every((r) => r.actor === 'system')).toBe(true)
    expect(
      (
        await env.app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: env.auth('auditor') })
      ).json(),
    ).toMatchObject({ ok: true })
  })
})
