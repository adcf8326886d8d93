import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ROTATED_KEY } from '../fakes/openai-upstream.js'
import { DIALECTS } from '../helpers.js'
import { credential, type GatewayTestEnv, gatewayEnv, OTHER_KEY } from './gateway-helpers.js'

/** Polls until `fn` holds (no timing assertions: only "eventually"). */
async function eventually(fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe.each(DIALECTS)('fault matrix (%s)', (dialect) => {
  let env: GatewayTestEnv
  let client: OpenAI
  let n = 0
  /** A fresh upstream model name per test, so scripts and breakers never leak across tests. */
  const model = (tag: string) => `${tag}-${++n}`

  const route = async (alias: string, body: Record<string, unknown>) => {
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/routes',
      headers: env.auth('admin'),
      payload: { alias, ...body },
    })
    expect(res.statusCode).toBe(201)
  }
  const chat = (m: string, extra: Record<string, unknown> = {}) =>
    client.chat.completions
      .create({ model: m, messages: [{ role: 'user', content: 'hi' }], ...extra })
      .withResponse()
  const fail = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
    )

  beforeAll(async () => {
    env = await gatewayEnv(dialect, {
      creds: (fake) => [
        credential('oa', fake.baseUrl),
        credential('oa2', fake.baseUrl, { apiKey: OTHER_KEY }),
      ],
    })
    client = new OpenAI({ baseURL: `${env.url}/v1`, apiKey: env.tokens.member, maxRetries: 0 })
  })
  afterAll(async () => {
    await env?.close()
  })
  beforeEach(() => env.fake.reset())

  it('429 with a short retry-after is retried and succeeds', async () => {
    const m = model('rl')
    env.fake.script(m, [{ kind: 'status', status: 429, headers: { 'retry-after-ms': '30' } }])
    const { data } = await chat(`oa/${m}`)
    expect(data.choices[0]?.message.content).toBe('Hello, world!')
    expect(env.fake.requests).toHaveLength(2)
    expect(env.events().at(-1)).toMatchObject({ status: 'ok', attempts: 2 })
  })

  it('429 past the policy comes back as 429 with retry-after', async () => {
    const m = model('rl')
    env.fake.script(m, [
      { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
      { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
    ])
    const e = await fail(chat(`oa/${m}`))
    expect(e).toBeInstanceOf(OpenAI.RateLimitError)
    expect(e!.headers?.get('retry-after')).toBe('1')
    expect(e!.message).toContain('openai (credential oa)')
    expect(env.fake.requests).toHaveLength(2)
  })

  it('a retry-after longer than the cap is not waited for: fail over at once', async () => {
    const m = model('rl')
    const fb = model('fb')
    await route(`rl-${n}`, {
      targets: [{ model: `oa/${m}` }],
      fallbacks: [{ model: `oa2/${fb}` }],
      retry: { attempts: 3 },
    })
    env.fake.script(m, [{ kind: 'status', status: 429, headers: { 'retry-after': '3600' } }])
    const { response } = await chat(`rl-${n}`)
    expect(response.headers.get('x-latchkey-credential')).toBe('oa2')
    expect(env.fake.requests.map((r) => r.body?.model)).toEqual([m, fb])
  })

  it('500 then success: retried on the same target', async () => {
    const m = model('e500')
    env.fake.script(m, [{ kind: 'status', status: 500 }])
    const { data } = await chat(`oa/${m}`)
    expect(data.object).toBe('chat.completion')
    expect(env.fake.requests).toHaveLength(2)
  })

  it('503 on every attempt without fallback: 503 naming the provider', async () => {
    const m = model('e503')
    env.fake.script(m, [
      { kind: 'status', status: 503 },
      { kind: 'status', status: 503 },
    ])
    const e = await fail(chat(`oa/${m}`))
    expect(e!.status).toBe(503)
    expect(e!.message).toContain('openai (credential oa) answered 503')
    expect(env.events().at(-1)).toMatchObject({
      status: 'error',
      httpStatus: 503,
      errorCode: 'upstream_unavailable',
    })
  })

  it('503 with a fallback: the fallback answers', async () => {
    const m = model('e503')
    const fb = model('fb')
    await route(`fo-${n}`, {
      targets: [{ model: `oa/${m}` }],
      fallbacks: [{ model: `oa2/${fb}` }],
      retry: { attempts: 1 },
    })
    env.fake.script(m, [{ kind: 'status', status: 503 }])
    const { data, response } = await chat(`fo-${n}`)
    expect(data.model).toBe(fb)
    expect(response.headers.get('x-latchkey-model')).toBe(`oa2/${fb}`)
    expect(env.events().at(-1)).toMatchObject({
      status: 'ok',
      route: `fo-${n}`,
      attempts: 2,
      credentialId: env.credentialId('oa2'),
    })
  })

  it('a 400 input error is never retried or failed over', async () => {
    const m = model('e400')
    const alias = `in-${n}`
    await route(alias, { targets: [{ model: `oa/${m}` }], fallbacks: [{ model: `oa2/${model('fb')}` }] })
    env.fake.script(m, [
      {
        kind: 'status',
        status: 400,
        body: {
          error: {
            message: "Invalid value for 'temperature'",
            type: 'invalid_request_error',
            param: 'temperature',
            code: 'invalid_value',
          },
        },
      },
    ])
    const e = await fail(chat(alias))
    expect(e).toBeInstanceOf(OpenAI.BadRequestError)
    expect(e!.message).toContain("Invalid value for 'temperature'")
    expect((e as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('temperature')
    expect(env.fake.requests).toHaveLength(1)
  })

  it('402 out of credit is not retried but fails over; alone it is a 402 billing_error', async () => {
    const m = model('e402')
    const alias = `pay-${n}`
    await route(alias, { targets: [{ model: `oa/${m}` }], fallbacks: [{ model: `oa2/${model('fb')}` }] })
    const broke = {
      kind: 'status' as const,
      status: 402,
      body: {
        error: { message: 'Insufficient Balance', type: 'unknown_error', code: 'invalid_request_error' },
      },
    }
    env.fake.script(m, [broke])
    const { response } = await chat(alias)
    expect(response.headers.get('x-latchkey-model')).toMatch(/^oa2\//)
    expect(env.fake.requests).toHaveLength(2)
    expect(env.events().at(-1)).toMatchObject({
      status: 'ok',
      attempts: 2,
      credentialId: env.credentialId('oa2'),
    })

    env.fake.reset()
    const alone = model('e402')
    env.fake.script(alone, [broke, broke])
    const e = await fail(chat(`oa/${alone}`))
    expect(e!.status).toBe(402)
    expect(e!.error).toMatchObject({ type: 'billing_error', code: 'upstream_payment_required' })
    expect(e!.message).toContain('openai (credential oa) is out of credit: Insufficient Balance')
    expect(env.fake.requests).toHaveLength(1)
  })

  it('an upstream that hangs times out: 504 without fallback, the fallback with one', async () => {
    const m = model('hang')
    await route(`to-${n}`, { targets: [{ model: `oa/${m}` }], retry: { attempts: 1 }, timeoutMs: 300 })
    env.fake.script(m, [{ kind: 'hang' }])
    const e = await fail(chat(`to-${n}`))
    expect(e!.status).toBe(504)
    expect(e!.message).toContain('within 300 ms')

    const m2 = model('hang')
    const fb = model('fb')
    await route(`tofb-${n}`, {
      targets: [{ model: `oa/${m2}` }],
      fallbacks: [{ model: `oa2/${fb}` }],
      retry: { attempts: 1 },
      timeoutMs: 300,
    })
    env.fake.script(m2, [{ kind: 'hang' }])
    const { data } = await chat(`tofb-${n}`)
    expect(data.model).toBe(fb)
  })

  it('connection reset before the first byte of a stream is retried', async () => {
    const m = model('rst')
    env.fake.script(m, [{ kind: 'reset-before' }])
    const stream = await client.chat.completions.create({
      model: `oa/${m}`,
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    })
    let text = ''
    for await (const c of stream) text += c.choices[0]?.delta.content ?? ''
    expect(text).toBe('Hello, world!')
    expect(env.events().at(-1)).toMatchObject({ status: 'ok', attempts: 2 })
  })

  it('connection reset after the first byte ends the stream with an error event, not a silent success', async () => {
    const m = model('rst')
    env.fake.script(m, [{ kind: 'reset-after', after: 2 }])
    const stream = await client.chat.completions.create({
      model: `oa/${m}`,
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    })
    let text = ''
    const err = await (async () => {
      try {
        for await (const c of stream) text += c.choices[0]?.delta.content ?? ''
        return null
      } catch (e) {
        return e as Error
      }
    })()
    expect(text).toBe('Hello,')
    expect(err).toBeInstanceOf(OpenAI.APIError)
    expect(err!.message).toContain('failed mid-stream')
    expect(env.events().at(-1)).toMatchObject({
      status: 'error',
      errorCode: 'upstream_stream_interrupted',
      stream: true,
    })

    // Raw wire: an error data event and no [DONE].
    env.fake.script(m, [{ kind: 'reset-after', after: 1 }])
    const raw = await fetch(`${env.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.tokens.member}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: `oa/${m}`, messages: [{ role: 'user', content: 'x' }], stream: true }),
    })
    const body = await raw.text()
    expect(body).toContain('"code":"upstream_stream_interrupted"')
    expect(body).not.toContain('[DONE]')
  })

  it('a slow stream is relayed to the end', async () => {
    const m = model('slow')
    env.fake.script(m, [{ kind: 'slow', delayMs: 40 }])
    const stream = await client.chat.completions.create({
      model: `oa/${m}`,
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    })
    let text = ''
    for await (const c of stream) text += c.choices[0]?.delta.content ?? ''
    expect(text).toBe('Hello, world!')
  })

  it('a client disconnect aborts the upstream request at once and meters a cancel', async () => {
    const m = model('abort')
    env.fake.words = Array.from({ length: 50 }, (_, i) => `w${i} `)
    try {
      env.fake.script(m, [{ kind: 'slow', delayMs: 100 }])
      const ac = new AbortController()
      const res = await fetch(`${env.url}/v1/chat/completions`, {
        method: 'POST',
        signal: ac.signal,
        headers: { authorization: `Bearer ${env.tokens.member}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: `oa/${m}`, messages: [{ role: 'user', content: 'x' }], stream: true }),
      })
      const reader = res.body!.getReader()
      await reader.read()
      ac.abort()
      await eventually(() => env.fake.aborted === 1)
      await eventually(() => env.events().at(-1)?.status === 'cancelled')
      expect(env.events().at(-1)).toMatchObject({ httpStatus: 499, errorCode: 'client_closed' })
    } finally {
      env.fake.words = ['Hello', ',', ' world', '!']
    }
  })

  it('on /v1/messages too: a disconnect aborts the upstream and meters a cancel; a reset ends with event: error', async () => {
    const post = (m: string, signal?: AbortSignal) =>
      fetch(`${env.url}/v1/messages`, {
        method: 'POST',
        ...(signal ? { signal } : {}),
        headers: { 'x-api-key': env.tokens.member, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: `oa/${m}`,
          max_tokens: 50,
          messages: [{ role: 'user', content: 'x' }],
          stream: true,
        }),
      })
    const m = model('abort')
    env.fake.words = Array.from({ length: 50 }, (_, i) => `w${i} `)
    try {
      env.fake.script(m, [{ kind: 'slow', delayMs: 100 }])
      const ac = new AbortController()
      const res = await post(m, ac.signal)
      expect(res.status).toBe(200)
      await res.body!.getReader().read()
      ac.abort()
      await eventually(() => env.fake.aborted === 1)
      await eventually(() => env.events().at(-1)?.status === 'cancelled')
      expect(env.events().at(-1)).toMatchObject({ httpStatus: 499, errorCode: 'client_closed' })
    } finally {
      env.fake.words = ['Hello', ',', ' world', '!']
    }
    const r = model('reset')
    env.fake.script(r, [{ kind: 'reset-after', after: 2 }])
    const body = await (await post(r)).text()
    expect(body).toContain('event: error')
    expect(body).toContain('failed mid-stream')
    expect(body).not.toContain('message_stop')
    expect(env.events().at(-1)).toMatchObject({ status: 'error', errorCode: 'upstream_stream_interrupted' })
  })

  it('the overall deadline bounds retries', async () => {
    const m = model('dl')
    await route(`dl-${n}`, {
      targets: [{ model: `oa/${m}` }],
      retry: { attempts: 5, backoffMs: 10 },
      timeoutMs: 200,
      deadlineMs: 500,
    })
    env.fake.script(
      m,
      Array.from({ length: 5 }, () => ({ kind: 'hang' as const })),
    )
    const e = await fail(chat(`dl-${n}`))
    expect(e!.status).toBe(504)
    expect(env.fake.requests.length).toBeLessThan(5)
  })

  it('a retry after a key rotation uses the new key', async () => {
    const m = model('rot')
    const id = env.credentialId('oa2')
    // The first attempt fails after the key was rotated meanwhile (through the vault's API):
    // the retry looks the credential up again and carries the new key.
    env.fake.script(m, [
      {
        kind: 'call',
        fn: async () => {
          const r = await env.app.inject({
            method: 'POST',
            url: `/api/v1/credentials/${id}/rotate`,
            headers: env.auth('owner'),
            payload: { apiKey: ROTATED_KEY },
          })
          expect(r.statusCode, r.body).toBe(200)
        },
        answer: { kind: 'status', status: 500 },
      },
    ])
    await chat(`oa2/${m}`)
    expect(env.fake.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${OTHER_KEY}`,
      `Bearer ${ROTATED_KEY}`,
    ])
  })

  it('weighted targets spread load over credentials', async () => {
    const m = model('lb')
    await route(`lb-${n}`, {
      targets: [
        { model: `oa/${m}`, weight: 1 },
        { model: `oa2/${m}`, weight: 1 },
      ],
    })
    for (let i = 0; i < 30; i++) await chat(`lb-${n}`)
    const keys = new Set(env.fake.requests.map((r) => r.headers.authorization))
    expect(keys.size).toBe(2)
  })
})
