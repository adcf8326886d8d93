/**
 * Readiness and drain (server/lifecycle.ts): /readyz is JSON (never the web app's shell),
 * turns 503 when draining; calls in flight and streams finish; a request arriving during the
 * drain is served (never Fastify's own 503) and told to close its connection; at the drain
 * deadline what is left is cut in the caller's protocol and its upstream is released.
 */
import http from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { type GatedUpstream, startGatedUpstream } from '../fakes/gated-upstream.js'
import { credential, type GatewayTestEnv, gatewayEnv } from '../gateway/gateway-helpers.js'

interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })

function call(url: string, path: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body)
    const req = http.request(
      `${url}${path}`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
          ...headers,
        },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c) => {
          text += c
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(data)
  })
}

const chat = (model: string, stream = false) => ({
  model: `oa/${model}`,
  stream,
  messages: [{ role: 'user', content: 'hi' }],
})

describe('readiness and drain', () => {
  let env: GatewayTestEnv | undefined
  let up: GatedUpstream | undefined
  afterEach(async () => {
    up?.release()
    await env?.close().catch(() => {})
    await up?.close()
    env = undefined
    up = undefined
  })

  async function start(): Promise<{ env: GatewayTestEnv; up: GatedUpstream }> {
    up = await startGatedUpstream()
    const u = up
    env = await gatewayEnv('sqlite', { creds: () => [credential('oa', u.baseUrl)] })
    return { env, up: u }
  }

  it('GET /readyz answers JSON while ready and is never the web app', async () => {
    const { env } = await start()
    const r = await fetch(`${env.url}/readyz`)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await r.json()).toEqual({ ok: true })
    // Also without auth and with a trailing slash (router ignores it); HEAD is not the shell either.
    const slash = await fetch(`${env.url}/readyz/`)
    expect(await slash.text()).not.toMatch(/<html/i)
  })

  it('reports the database when it does not answer', async () => {
    const { env } = await start()
    await env.rt.db.close()
    const r = await fetch(`${env.url}/readyz`)
    expect(r.status).toBe(503)
    expect(await r.json()).toEqual({ ok: false, reasons: ['database unreachable'] })
  })

  it('drains: readiness off, in-flight calls and streams finish, late requests served with connection: close', async () => {
    const { env, up } = await start()
    const auth = { authorization: `Bearer ${env.tokens.member}` }
    expect((await fetch(`${env.url}/readyz`)).status).toBe(200)
    const held = call(env.url, '/v1/chat/completions', chat('held-json'), auth)
    const stream = call(env.url, '/v1/chat/completions', chat('held-stream', true), auth)
    await up.waitPending(2)

    // A delay long enough for the steps below on a loaded machine; nothing asserts on time.
    const drained = env.app.lifecycle.drain(env.app.server, { drainDelayMs: 3000, drainTimeoutMs: 60_000 })
    const ready = await fetch(`${env.url}/readyz`)
    expect(ready.status).toBe(503)
    expect(await ready.json()).toEqual({ ok: false, reasons: ['draining'] })

    // The balancer has not noticed yet: this call is served normally, on both transports.
    const late = await call(env.url, '/v1/chat/completions', chat('quick'), auth)
    expect(late.status).toBe(200)
    expect(late.headers.connection).toBe('close')
    const lateApi = await fetch(`${env.url}/api/v1/me`, { headers: auth })
    expect(lateApi.status).toBe(200)

    up.release()
    const [a, b] = await Promise.all([held, stream])
    expect(a.status).toBe(200)
    expect(JSON.parse(a.body).choices[0].message.content).toBe('done')
    expect(a.headers.connection).toBe('close')
    expect(b.status).toBe(200)
    expect(b.body).toContain('last')
    expect(b.body.trim().endsWith('data: [DONE]')).toBe(true)
    await drained
    expect(env.app.lifecycle.inflight).toBe(0)
  })

  it('cuts what is left at the deadline in the caller protocol and releases the upstream', async () => {
    const { env, up } = await start()
    const auth = { authorization: `Bearer ${env.tokens.member}` }
    const json = call(env.url, '/v1/chat/completions', chat('held-json'), auth)
    const stream = call(env.url, '/v1/chat/completions', chat('held-stream', true), auth)
    const anthropic = call(
      env.url,
      '/v1/messages',
      { model: 'oa/held-messages', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
      { 'x-api-key': env.tokens.member, 'anthropic-version': '2023-06-01' },
    )
    await up.waitPending(3)

    await env.app.lifecycle.drain(env.app.server, { drainDelayMs: 0, drainTimeoutMs: 200 })
    const [j, s, m] = await Promise.all([json, stream, anthropic])

    expect(j.status).toBe(503)
    expect(JSON.parse(j.body)).toMatchObject({
      error: { type: 'api_error', code: 'server_shutting_down' },
    })
    expect(j.headers['retry-after']).toBe('1')
    expect(m.status).toBe(503)
    expect(JSON.parse(m.body)).toMatchObject({ type: 'error', error: { type: 'api_error' } })

    // The stream had started: it ends with the protocol's error event, not a clean [DONE].
    expect(s.status).toBe(200)
    expect(s.body).toContain('first')
    expect(s.body).toMatch(/"error"/)
    expect(s.body).not.toContain('[DONE]')

    // Every upstream request was released (Latchkey hung up on them).
    for (let i = 0; i < 100 && up.aborted < 3; i++) await new Promise((r) => setTimeout(r, 50))
    expect(up.aborted).toBe(3)
    expect(env.app.lifecycle.inflight).toBe(0)
  })
})
