import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { generateText, streamText } from 'ai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS, manualClock } from '../helpers.js'
import { credential, type GatewayTestEnv, gatewayEnv, OTHER_KEY } from './gateway-helpers.js'

describe.each(DIALECTS)('routes API, breakers, limits, invoke, Vercel AI SDK (%s)', (dialect) => {
  let env: GatewayTestEnv
  // Breaker and rate-limit windows move only when a test moves this clock.
  const clock = manualClock()
  beforeAll(async () => {
    env = await gatewayEnv(dialect, {
      runtime: { clock },
      // Counters (rate limits) in Redis when TEST_REDIS_URL is set, in memory otherwise.
      redis: true,
      env: { LATCHKEY_CORS_ORIGINS: 'https://app.example' },
      creds: (fake) => [
        credential('oa', fake.baseUrl),
        credential('oa2', fake.baseUrl, { apiKey: OTHER_KEY }),
      ],
    })
  })
  afterAll(async () => {
    await env?.close()
  })
  beforeEach(() => env.fake.reset())

  const api = (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
    role: 'admin' | 'member' | 'auditor' = 'admin',
  ) =>
    env.app.inject({
      method,
      url,
      headers: env.auth(role),
      ...(payload ? { payload: payload as object } : {}),
    })
  const chat = (model: string) =>
    env.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: env.auth('member'),
      payload: { model, messages: [{ role: 'user', content: 'x' }] },
    })

  it('CRUD with the contract shape, role checks and validation', async () => {
    const created = await api('POST', '/api/v1/routes', {
      alias: 'smart',
      targets: [{ model: 'oa/gpt-4o-mini', weight: 3 }, { model: 'oa2/gpt-4o-mini' }],
      fallbacks: [{ model: 'oa2/gpt-4o' }],
      retry: { attempts: 2, backoffMs: 100 },
      timeoutMs: 30000,
    })
    expect(created.statusCode).toBe(201)
    expect(created.json()).toMatchObject({
      alias: 'smart',
      targets: [{ model: 'oa/gpt-4o-mini', weight: 3 }, { model: 'oa2/gpt-4o-mini' }],
      fallbacks: [{ model: 'oa2/gpt-4o' }],
      retry: { attempts: 2, backoffMs: 100 },
      timeoutMs: 30000,
    })
    expect(
      (await api('POST', '/api/v1/routes', { alias: 'smart', targets: [{ model: 'oa/x' }] })).statusCode,
    ).toBe(409)
    expect(
      (await api('POST', '/api/v1/routes', { alias: 'x', targets: [{ model: 'oa/x' }] }, 'member'))
        .statusCode,
    ).toBe(403)
    const bad = await api('POST', '/api/v1/routes', {
      alias: 'a/b',
      targets: [{ model: 'nomodel' }],
      extra: 1,
    })
    expect(bad.statusCode).toBe(400)
    expect(
      (await api('GET', '/api/v1/routes', undefined, 'auditor'))
        .json()
        .data.map((r: { alias: string }) => r.alias),
    ).toContain('smart')
    expect((await api('GET', '/api/v1/routes/smart', undefined, 'member')).json().alias).toBe('smart')
    const put = await api('PUT', '/api/v1/routes/smart', { targets: [{ model: 'oa2/gpt-4o-mini' }] })
    expect(put.statusCode).toBe(200)
    expect(put.json().fallbacks).toEqual([])
    // Routes are usable at once and listed in /v1/models.
    const res = await chat('smart')
    expect(res.statusCode).toBe(200)
    expect(res.headers['x-latchkey-credential']).toBe('oa2')
    const models = await env.app.inject({ method: 'GET', url: '/v1/models', headers: env.auth('member') })
    expect(models.json().data.map((m: { id: string }) => m.id)).toContain('smart')
    expect((await api('DELETE', '/api/v1/routes/smart')).statusCode).toBe(204)
    expect((await api('GET', '/api/v1/routes/smart')).statusCode).toBe(404)
    expect((await chat('smart')).json().error.code).toBe('model_not_found')
  })

  it('breaker opens on failures, refuses without calling upstream, half-opens and closes on a good probe', async () => {
    env.rt.gateway.breakers.configure({ minRequests: 2, failureRate: 0.5, openMs: 30_000, windowMs: 60_000 })
    await api('POST', '/api/v1/routes', {
      alias: 'brk',
      targets: [{ model: 'oa/brk-model' }],
      retry: { attempts: 1 },
    })
    env.fake.script('brk-model', [
      { kind: 'status', status: 500 },
      { kind: 'status', status: 500 },
    ])
    expect((await chat('brk')).statusCode).toBe(502)
    expect((await chat('brk')).statusCode).toBe(502)
    const refused = await chat('brk')
    expect(refused.statusCode).toBe(503)
    expect(refused.json().error.code).toBe('circuit_open')
    expect(env.fake.requests).toHaveLength(2)

    const health = await api('GET', '/api/v1/routes/brk/health', undefined, 'member')
    expect(health.json()).toMatchObject({
      alias: 'brk',
      healthy: false,
      targets: [{ model: 'oa/brk-model', state: 'open' }],
    })
    const metrics = await env.app.inject({ method: 'GET', url: '/metrics', headers: env.auth('auditor') })
    expect(metrics.body).toMatch(
      new RegExp(
        `latchkey_gateway_breaker_state\\{credential_id="${env.credentialId('oa')}",model="brk-model"\\} 2`,
      ),
    )

    // Still open just before openMs; after it the next call is a probe that closes the breaker.
    clock.advance(29_999)
    expect((await chat('brk')).statusCode).toBe(503)
    expect(env.fake.requests).toHaveLength(2)
    clock.advance(1)
    expect((await api('GET', '/api/v1/routes/brk/health')).json().targets[0].state).toBe('half_open')
    expect((await chat('brk')).statusCode).toBe(200)
    expect((await api('GET', '/api/v1/routes/brk/health')).json().targets[0].state).toBe('closed')
    env.rt.gateway.breakers.configure({ minRequests: 5, openMs: 30_000 })
  })

  it('per-token request limit answers 429 with retry-after; token limits count usage', async () => {
    await env.rt.db.db
      .updateTable('orgs')
      .set({ settings: JSON.stringify({ limits: { tokenRpm: 2, workspaceTpm: 1_000_000 } }) })
      .where('id', '=', env.orgId)
      .execute()
    await env.rt.bus.publish('settings')
    try {
      expect((await chat('oa/lim')).statusCode).toBe(200)
      expect((await chat('oa/lim')).statusCode).toBe(200)
      const limited = await chat('oa/lim')
      expect(limited.statusCode).toBe(429)
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
      expect(limited.json().error.code).toBe('requests_per_minute')
      expect(env.fake.requests).toHaveLength(2)
      expect(await env.rt.counters.get(`gw:ws:${env.workspaceId}:tpm`, 60_000)).toBeGreaterThan(0)
    } finally {
      await env.rt.db.db.updateTable('orgs').set({ settings: '{}' }).where('id', '=', env.orgId).execute()
      await env.rt.bus.publish('settings')
    }
  })

  it('rt.invoke runs the same pipeline in-process', async () => {
    const p = await env.rt.auth.authenticateToken(env.tokens.member)
    const r = await env.rt.invoke(
      { model: 'oa/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { principal: p!, runId: 'run_1', stepId: 'step_a' },
    )
    expect(r).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      credentialId: env.credentialId('oa'),
      attempts: 1,
    })
    expect((r.response.choices as { message: { content: string } }[])[0]!.message.content).toBe(
      'Hello, world!',
    )
    expect(r.usage?.inputTokens).toBeGreaterThan(0)
    expect(env.events().at(-1)).toMatchObject({
      endpoint: 'invoke',
      runId: 'run_1',
      stepId: 'step_a',
      stream: false,
    })
  })

  it('Vercel AI SDK (openai-compatible provider) generate and stream', async () => {
    const lk = createOpenAICompatible({
      name: 'latchkey',
      baseURL: `${env.url}/v1`,
      apiKey: env.tokens.member,
      includeUsage: true,
    })
    const g = await generateText({ model: lk('oa/gpt-4o-mini'), prompt: 'hi' })
    expect(g.text).toBe('Hello, world!')
    expect(g.usage.outputTokens).toBe(4)
    const s = streamText({ model: lk('oa/gpt-4o-mini'), prompt: 'hi' })
    let text = ''
    for await (const t of s.textStream) text += t
    expect(text).toBe('Hello, world!')
    expect((await s.usage).outputTokens).toBe(4)
    expect(await s.finishReason).toBe('stop')
  })

  it('Vercel AI SDK sees a mid-stream failure as an error finish', async () => {
    env.fake.script('mid', [{ kind: 'reset-after', after: 1 }])
    const lk = createOpenAICompatible({
      name: 'latchkey',
      baseURL: `${env.url}/v1`,
      apiKey: env.tokens.member,
    })
    const s = streamText({ model: lk('oa/mid'), prompt: 'hi', onError: () => {} })
    const parts: string[] = []
    for await (const p of s.fullStream) parts.push(p.type)
    expect(parts).toContain('error')
  })

  it('CORS preflight on /v1 for an allowed origin', async () => {
    const res = await env.app.inject({
      method: 'OPTIONS',
      url: '/v1/chat/completions',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    })
    expect(res.statusCode).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example')
    const other = await env.app.inject({
      method: 'OPTIONS',
      url: '/v1/chat/completions',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    })
    expect(other.headers['access-control-allow-origin']).toBeUndefined()
    // Streams are written outside Fastify's reply: the CORS and request-id headers still apply.
    const stream = await fetch(`${env.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        origin: 'https://app.example',
        authorization: `Bearer ${env.tokens.member}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        model: 'oa/gpt-4o-mini',
        messages: [{ role: 'user', content: 'x' }],
        stream: true,
      }),
    })
    expect(stream.headers.get('content-type')).toContain('text/event-stream')
    expect(stream.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(stream.headers.get('access-control-expose-headers')).toContain('x-latchkey-credential')
    expect(stream.headers.get('x-latchkey-request-id')).toMatch(/^req_/)
    expect(stream.headers.get('x-latchkey-model')).toBe('oa/gpt-4o-mini')
    expect(await stream.text()).toContain('data: [DONE]')
  })
})
