/**
 * The gateway and this area together: budgets refuse in the caller's protocol, calls are priced
 * and metered. Credentials go through the real vault (a budget's scope must be a credential of
 * the org).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers.js'
import { createE2eEnv, type E2eEnv } from '../workflows/e2e-env.js'

describe.each(DIALECTS)('gateway metering, pricing and budgets (%s)', (dialect) => {
  let env: E2eEnv
  beforeAll(async () => {
    env = await createE2eEnv(dialect)
  })
  afterAll(async () => {
    await env?.close()
  })

  const chat = (model: string) =>
    fetch(`${env.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...env.auth('admin'), 'content-type': 'application/json' },
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
    const creds = await env.app.inject({
      method: 'GET',
      url: '/api/v1/credentials',
      headers: env.auth('admin'),
    })
    const oa = (creds.json().data as { id: string; name: string }[]).find((c) => c.name === 'oa')!
    const b = await env.app.inject({
      method: 'POST',
      url: '/api/v1/budgets',
      headers: env.auth('admin'),
      payload: { name: 'frozen-key', scope: 'credential', scopeId: oa.id, limitUsd: 0 },
    })
    expect(b.statusCode, b.body).toBe(201)
    const res = await chat('oa/gpt-4o')
    expect(res.status).toBe(429)
    const body = (await res.json()) as { error: { message: string; type: string; code: string } }
    expect(body.error.message).toContain('frozen-key')
    expect(body.error.code).toBe('budget_exceeded')
    expect(env.openai.requests.filter((r) => r.path.includes('chat')).length).toBe(1) // the refused call never left
  })
})
