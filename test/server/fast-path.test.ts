/**
 * The gateway fast path (src/server/fast-path.ts) against the Fastify route for the same
 * requests: same status, body (ids aside) and headers, in OpenAI and Anthropic protocols,
 * for answers, streams and every early refusal. Over a socket, API clients take the fast
 * path; `inject` (and browsers, cookies, odd content types) take Fastify.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type GatewayTestEnv, gatewayEnv } from '../gateway/gateway-helpers.js'

interface Reply {
  status: number
  headers: Record<string, string>
  body: string
}

const IDS = /(req|chatcmpl|msg|use)[_-][A-Za-z0-9_-]+/g
const normal = (s: string) => s.replace(IDS, '$1_ID').replace(/"created":\d+/g, '"created":0')

describe('gateway fast path', () => {
  let env: GatewayTestEnv

  beforeAll(async () => {
    env = await gatewayEnv('sqlite', { env: { LATCHKEY_BODY_LIMIT: '4096' } })
  })
  afterAll(async () => {
    await env?.close()
  })

  async function overSocket(path: string, body: string | Buffer, headers: Record<string, string>) {
    const res = await fetch(`${env.url}${path}`, { method: 'POST', headers, body })
    return {
      status: res.status,
      headers: Object.fromEntries(res.headers),
      body: await res.text(),
    } satisfies Reply
  }
  async function viaFastify(path: string, body: string | Buffer, headers: Record<string, string>) {
    const res = await env.app.inject({ method: 'POST', url: path, headers, payload: body })
    return {
      status: res.statusCode,
      headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)])),
      body: res.body,
    } satisfies Reply
  }

  /** Sends the same request both ways; checks the socket one took the fast path; compares. */
  async function both(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
    const h = { 'content-type': 'application/json', ...env.auth('member'), ...headers }
    const before = env.app.fastPath.served
    const fast = await overSocket(path, body, h)
    expect(env.app.fastPath.served).toBe(before + 1)
    const slow = await viaFastify(path, body, h)
    expect(fast.status).toBe(slow.status)
    expect(normal(fast.body)).toBe(normal(slow.body))
    for (const k of ['x-latchkey-credential', 'x-latchkey-model', 'retry-after', 'content-type']) {
      expect([k, fast.headers[k]?.split(';')[0]]).toEqual([k, slow.headers[k]?.split(';')[0]])
    }
    expect(fast.headers['x-latchkey-request-id']).toMatch(/^req_/)
    return fast
  }

  const chat = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({ model: 'oa/gpt-test', messages: [{ role: 'user', content: 'hi' }], ...extra })

  it('answers a chat completion exactly as the Fastify route does', async () => {
    const r = await both('/v1/chat/completions', chat())
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body).choices[0].message.content).toBe('Hello, world!')
    expect(r.headers['x-latchkey-credential']).toBe('oa')
  })

  it('streams the same events', async () => {
    const r = await both('/v1/chat/completions', chat({ stream: true }))
    expect(r.headers['content-type']).toContain('text/event-stream')
    expect(r.body.trim().endsWith('data: [DONE]')).toBe(true)
  })

  it('serves the Anthropic endpoint (x-api-key too) with the same answers and errors', async () => {
    const body = JSON.stringify({
      model: 'oa/gpt-test',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
    })
    const ok = await both('/v1/messages', body, { 'x-api-key': env.tokens.member, authorization: '' })
    expect(JSON.parse(ok.body)).toMatchObject({ type: 'message', role: 'assistant' })
    const bad = await both('/v1/messages', JSON.stringify({ model: 'oa/gpt-test', messages: [] }))
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.body)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
  })

  it('refuses bad tokens, bad JSON, empty and poisoned bodies, unknown models the same way', async () => {
    const unauthorized = await both('/v1/chat/completions', chat(), { authorization: 'Bearer lk_nope' })
    expect(unauthorized.status).toBe(401)
    expect((await both('/v1/chat/completions', '{"model":')).status).toBe(400)
    expect((await both('/v1/chat/completions', '')).status).toBe(400)
    const poisoned = await both('/v1/chat/completions', '{"model":"oa/x","__proto__":{"admin":true}}')
    expect(poisoned.status).toBe(400)
    expect((await both('/v1/chat/completions', chat({ model: 'nope/x' }))).status).toBe(404)
    expect((await both('/v1/chat/completions', chat({ messages: [] }))).status).toBe(400)
  })

  it('refuses a body over the limit with 413', async () => {
    const big = chat({ messages: [{ role: 'user', content: 'x'.repeat(8000) }] })
    const r = await both('/v1/chat/completions', big)
    expect(r.status).toBe(413)
  })

  it('takes paths with a query string or a trailing slash, as the router does', async () => {
    expect((await both('/v1/chat/completions?x=1', chat())).status).toBe(200)
    expect((await both('/v1/chat/completions/', chat())).status).toBe(200)
  })

  it('leaves browsers, cookies and other content types to Fastify', async () => {
    const before = env.app.fastPath.served
    const h = { ...env.auth('member') }
    await overSocket('/v1/chat/completions', chat(), {
      ...h,
      'content-type': 'application/json',
      origin: 'https://x.example',
    })
    await overSocket('/v1/chat/completions', chat(), { ...h, 'content-type': 'text/plain' })
    await overSocket('/v1/chat/completions', chat(), {
      'content-type': 'application/json',
      cookie: 'lk_session=x',
    })
    expect(env.app.fastPath.served).toBe(before)
  })

  it('meters fast-path calls and records them in the request metric', async () => {
    const n = env.events().length
    await overSocket('/v1/chat/completions', chat(), {
      'content-type': 'application/json',
      ...env.auth('member'),
    })
    expect(env.events().length).toBe(n + 1)
    expect(env.events().at(-1)).toMatchObject({ status: 'ok', endpoint: 'chat' })
    const metrics = await env.rt.metrics.metrics()
    expect(metrics).toMatch(
      /latchkey_http_request_duration_seconds_count\{method="POST",route="\/v1\/chat\/completions",status="200"\} \d+/,
    )
  })
})
