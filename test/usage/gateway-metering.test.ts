/** The gateway and this area together: budgets refuse in the caller's protocol, calls are priced and metered. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type GatewayTestEnv, gatewayEnv } from '../gateway/gateway-helpers.js'

describe('gateway metering, pricing and budgets (sqlite)', () => {
  let env: GatewayTestEnv
  beforeAll(async () => {
    env = await gatewayEnv('sqlite')
  })
  afterAll(async () => {
    await env?.close()
  })

  const chat = (model: string) =>
    fetch(`${env.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...env.auth('member'), 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 }),
    })

  it('a priced call lands in usage with its cost and in the audit chain', async () => {
    const res = await chat('oa/gpt-4o')
    expect(res.status).toBe(200)
    await env.rt.usage.writer.flush()
    const row = await env.rt.db.db
      .selectFrom('usage_records')
      .selectAll()
      .orderBy('ts', 'desc')
      .executeTakeFirstOrThrow()
    expect(row.model).toBe('gpt-4o')
    expect(row.price_known).toBe(1)
    expect(Number(row.cost_usd)).toBeGreaterThan(0)
    const v = await env.app.inject({
      method: 'GET',
      url: '/api/v1/audit/verify',
      headers: env.auth('auditor'),
    })
    expect(v.json()).toMatchObject({ ok: true })
  })

  it('a budget of 0 on the credential refuses the call with 429 naming the budget (OpenAI error shape)', async () => {
    const b = await env.app.inject({
      method: 'POST',
      url: '/api/v1/budgets',
      headers: env.auth('admin'),
      payload: { name: 'frozen-key', scope: 'credential', scopeId: 'cred_oa', limitUsd: 0 },
    })
    expect(b.statusCode, b.body).toBe(201)
    const res = await chat('oa/gpt-4o')
    expect(res.status).toBe(429)
    const body = (await res.json()) as { error: { message: string; type: string; code: string } }
    expect(body.error.message).toContain('frozen-key')
    expect(body.error.code).toBe('budget_exceeded')
    expect(env.fake.requests.filter((r) => r.path.includes('chat')).length).toBe(1) // the refused call never left
  })
})
