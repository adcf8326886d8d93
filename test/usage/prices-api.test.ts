import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'

describe.each(DIALECTS)('prices API (%s)', (dialect) => {
  let env: TestEnv
  beforeAll(async () => {
    env = await createTestEnv(dialect)
  })
  afterAll(async () => {
    await env?.close()
  })
  const call = (
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    payload?: unknown,
    role: 'admin' | 'member' = 'admin',
  ) =>
    env.app.inject({
      method,
      url,
      headers: env.auth(role),
      ...(payload === undefined ? {} : { payload: payload as object }),
    })

  it('malformed overrides are 400 naming the field', async () => {
    for (const [body, field] of [
      [{ provider: 'ollama', model: 'llama3', output: 1 }, 'input'],
      [{ provider: 'ollama', model: 'llama3', input: -1, output: 1 }, 'input'],
      [{ provider: 'ollama', model: 'llama3', input: 1, output: 'free' }, 'output'],
      [{ provider: 'ollama', model: 'llama3', input: 1, output: 1, effectiveFrom: 'soon' }, 'effectiveFrom'],
      [
        { provider: 'ollama', model: 'llama3', input: 1, output: 1, effectiveFrom: 2000, effectiveTo: 1000 },
        'effectiveTo',
      ],
      [{ provider: 'Bad Kind!', model: 'x', input: 1, output: 1 }, 'provider'],
      [{ provider: 'ollama', model: 'x', input: 1, output: 1, discount: 5 }, 'discount'],
    ] as const) {
      const r = await call('POST', '/api/v1/prices', body)
      expect(r.statusCode, JSON.stringify(body)).toBe(400)
      expect(r.body).toContain(field)
    }
    expect(
      (
        await call(
          'POST',
          '/api/v1/prices',
          { provider: 'ollama', model: 'x', input: 1, output: 1 },
          'member',
        )
      ).statusCode,
    ).toBe(403)
  })

  it('an override prices a local model at once, is listed, audited and deletable', async () => {
    const before = await call('GET', '/api/v1/prices/lookup?provider=ollama&model=llama3.1:8b')
    expect(before.json()).toMatchObject({ known: false, prices: null })
    const created = await call('POST', '/api/v1/prices', {
      provider: 'ollama',
      model: 'llama3.1:8b',
      input: 0.2,
      output: 0.4,
      cachedRead: 0.05,
    })
    expect(created.statusCode, created.body).toBe(201)
    const id = created.json().id as string
    expect(
      env.rt.prices.cost(env.orgId, 'ollama', 'llama3.1:8b', {
        inputTokens: 1_000_000,
        outputTokens: 1_000_000,
      }),
    ).toBeCloseTo(0.6, 9)
    expect(
      (await call('GET', '/api/v1/prices/lookup?provider=ollama&model=llama3.1:8b')).json(),
    ).toMatchObject({
      known: true,
      source: 'override',
      prices: { input: 0.2, output: 0.4, cachedRead: 0.05 },
    })
    expect((await call('GET', '/api/v1/prices/lookup?provider=openai&model=gpt-4o')).json()).toMatchObject({
      source: 'dataset',
      prices: { input: 2.5 },
    })
    const list = (await call('GET', '/api/v1/prices', undefined, 'member')).json().data
    expect(list).toHaveLength(1)
    // The web app's names are accepted too.
    expect(
      (await call('POST', '/api/v1/prices', { model: 'sovereign-large', inputPerMTok: 3, outputPerMTok: 9 }))
        .statusCode,
    ).toBe(201)
    expect(
      env.rt.prices.cost(env.orgId, 'mistral', 'sovereign-large', {
        inputTokens: 1_000_000,
        outputTokens: 0,
      }),
    ).toBeCloseTo(3, 9)

    expect((await call('DELETE', `/api/v1/prices/${id}`)).statusCode).toBe(204)
    expect(
      env.rt.prices.cost(env.orgId, 'ollama', 'llama3.1:8b', { inputTokens: 1, outputTokens: 1 }),
    ).toBeNull()
    expect((await call('DELETE', `/api/v1/prices/${id}`)).statusCode).toBe(404)
    const audit = await env.app.inject({
      method: 'GET',
      url: '/api/v1/audit?limit=100',
      headers: env.auth('auditor'),
    })
    const actions = (audit.json().data as { action: string }[]).map((r) => r.action)
    expect(actions.filter((a) => a.startsWith('price.override'))).toEqual([
      'price.override.deleted',
      'price.override.created',
      'price.override.created',
    ])
  })
})
