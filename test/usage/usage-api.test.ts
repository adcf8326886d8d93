import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { queryUsage } from '../../src/usage/usage-query.js'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'
import { callEvent } from './fixtures.js'

describe.each(DIALECTS)('usage API (%s)', (dialect) => {
  let env: TestEnv
  let memberUserToken: string
  beforeAll(async () => {
    env = await createTestEnv(dialect)
    const member = await env.rt.auth.authenticateToken(env.tokens.member)
    memberUserToken = member!.tokenId!
    const t0 = Date.UTC(2026, 2, 1, 10)
    const ev = (over: Parameters<typeof callEvent>[1]) =>
      env.rt.calls.emit(callEvent(env.orgId, { ts: t0, userId: null, ...over }))
    ev({
      tokenId: memberUserToken,
      principalId: memberUserToken,
      model: 'gpt-4o',
      usage: { inputTokens: 1000, outputTokens: 100 },
      costUsd: 0.0035,
    })
    ev({
      tokenId: memberUserToken,
      principalId: memberUserToken,
      model: 'gpt-4o',
      ts: t0 + 3_600_000,
      usage: { inputTokens: 500, outputTokens: 50 },
      costUsd: 0.00175,
    })
    ev({
      tokenId: 'tok_other',
      principalId: 'tok_other',
      model: 'gpt-4o-mini',
      workflowId: 'wf_1',
      usage: { inputTokens: 10, outputTokens: 5 },
      costUsd: 0.0000045,
    })
    ev({
      tokenId: 'tok_other',
      principalId: 'tok_other',
      provider: 'ollama',
      model: 'llama3',
      usage: { inputTokens: 10, outputTokens: 5 },
      costUsd: null,
    })
    await env.rt.usage.writer.flush()
  })
  afterAll(async () => {
    await env?.close()
  })

  const get = (
    url: string,
    role: 'owner' | 'member' | 'auditor' = 'auditor',
    headers: Record<string, string> = {},
  ) => env.app.inject({ method: 'GET', url, headers: { ...env.auth(role), ...headers } })
  const range = `from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z`

  it('totals per model, with unpriced calls flagged (cost null is not 0)', async () => {
    const res = await get(`/api/v1/usage?groupBy=model&${range}`)
    expect(res.statusCode).toBe(200)
    const data = res.json().data as {
      key: string
      requests: number
      inputTokens: number
      costUsd: number
      unpricedRequests: number
    }[]
    const gpt4o = data.find((d) => d.key === 'openai/gpt-4o')!
    expect(gpt4o).toMatchObject({ requests: 2, inputTokens: 1500, outputTokens: 150, unpricedRequests: 0 })
    expect(gpt4o.costUsd).toBeCloseTo(0.00525, 9)
    expect(data.find((d) => d.key === 'ollama/llama3')).toMatchObject({
      requests: 1,
      costUsd: 0,
      unpricedRequests: 1,
    })
  })

  it('hourly series for charts; workflow grouping', async () => {
    const res = (await get(`/api/v1/usage?groupBy=model&bucket=hour&${range}`)).json()
    const s = res.series.filter((r: { key: string }) => r.key === 'openai/gpt-4o')
    expect(s.map((r: { bucket: string }) => r.bucket)).toEqual([
      '2026-03-01T10:00:00.000Z',
      '2026-03-01T11:00:00.000Z',
    ])
    const wf = (await get(`/api/v1/usage?groupBy=workflow&${range}`)).json().data
    expect(wf.find((r: { key: string }) => r.key === 'wf_1')).toMatchObject({ requests: 1 })
  })

  it('members see only their own usage; readers see everyone', async () => {
    const own = (await get(`/api/v1/usage?groupBy=user&${range}`, 'member')).json()
    expect(own.scope).toBe('own')
    expect(own.data.map((r: { key: string }) => r.key)).toEqual([memberUserToken])
    const all = (await get(`/api/v1/usage?groupBy=user&${range}`, 'auditor')).json()
    expect(all.data.map((r: { key: string }) => r.key).sort()).toEqual([memberUserToken, 'tok_other'].sort())
  })

  it('a caller with neither a user nor a token owns no usage (no NUL sentinel: PostgreSQL refuses one)', async () => {
    const r = await queryUsage(env.rt.db.db, {
      orgId: env.orgId,
      from: Date.UTC(2026, 2, 1),
      to: Date.UTC(2026, 2, 2),
      groupBy: 'user',
      own: { userId: null, tokenId: null },
    })
    expect(r.data).toEqual([])
  })

  it('CSV export by format=csv or Accept: text/csv', async () => {
    const csv = await get(`/api/v1/usage?groupBy=model&format=csv&${range}`)
    expect(csv.headers['content-type']).toContain('text/csv')
    const lines = csv.body.trim().split('\n')
    expect(lines[0]).toBe(
      'bucket,key,label,requests,inputTokens,outputTokens,cachedReadTokens,reasoningTokens,costUsd,unpricedRequests',
    )
    expect(lines).toHaveLength(4)
    const viaAccept = await get(`/api/v1/usage?groupBy=model&${range}`, 'auditor', { accept: 'text/csv' })
    expect(viaAccept.body).toBe(csv.body)
  })

  it('bad parameters are 400 naming the field', async () => {
    for (const [q, field] of [
      ['groupBy=color', 'groupBy'],
      ['from=yesterday', 'from'],
      ['from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'from'],
      ['bucket=minute', 'bucket'],
    ]) {
      const r = await get(`/api/v1/usage?${q}`)
      expect(r.statusCode, q).toBe(400)
      expect(r.body).toContain(field)
    }
  })
})
