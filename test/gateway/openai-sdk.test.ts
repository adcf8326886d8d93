import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers.js'
import { credential, type GatewayTestEnv, gatewayEnv, UPSTREAM_KEY } from './gateway-helpers.js'

describe.each(DIALECTS)('official openai SDK through Latchkey (%s)', (dialect) => {
  let env: GatewayTestEnv
  let client: OpenAI
  beforeAll(async () => {
    env = await gatewayEnv(dialect)
    client = new OpenAI({ baseURL: `${env.url}/v1`, apiKey: env.tokens.member, maxRetries: 0 })
  })
  afterAll(async () => {
    await env?.close()
  })
  beforeEach(() => env.fake.reset())

  it('non-streaming chat: upstream JSON, Latchkey headers, usage metered, auth swapped', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'oa/gpt-4o-mini', messages: [{ role: 'user', content: 'Say hi' }], temperature: 0.2 })
      .withResponse()
    expect(data.object).toBe('chat.completion')
    expect(data.choices[0]?.message.content).toBe('Hello, world!')
    expect(data.model).toBe('gpt-4o-mini')
    expect(response.headers.get('x-latchkey-credential')).toBe('oa')
    expect(response.headers.get('x-latchkey-model')).toBe('oa/gpt-4o-mini')
    expect(response.headers.get('x-latchkey-request-id')).toMatch(/^req_/)
    expect(response.headers.get('x-request-id')).toMatch(/^req_/)
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('9999')
    // The key owner's org name is not the caller's business.
    expect(response.headers.get('openai-organization')).toBeNull()

    const up = env.fake.requests.at(-1)!
    expect(up.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`)
    expect(up.body?.model).toBe('gpt-4o-mini')
    expect(up.body?.temperature).toBe(0.2)
    for (const r of env.fake.requests) expect(JSON.stringify(r)).not.toContain(env.tokens.member)

    const ev = env.events().at(-1)!
    expect(ev).toMatchObject({
      status: 'ok',
      endpoint: 'chat',
      provider: 'openai',
      credentialId: env.credentialId('oa'),
      model: 'gpt-4o-mini',
      requestedModel: 'oa/gpt-4o-mini',
      attempts: 1,
      stream: false,
    })
    expect(ev.usage).toMatchObject({ outputTokens: 4, cachedReadTokens: 2, reasoningTokens: 1 })
    expect(ev.inputShape).toMatchObject({
      messages: 1,
      roles: { user: 1 },
      chars: 6,
      params: ['temperature'],
    })
    expect(ev.outputShape).toMatchObject({ finishReason: 'stop', chars: 13 })
    expect(JSON.stringify(ev)).not.toContain('Say hi')
  })

  it('a model id outside printable ASCII is percent-encoded in x-latchkey-model', async () => {
    const res = await fetch(`${env.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.tokens.member}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'oa/modèle', messages: [{ role: 'user', content: 'x' }] }),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-latchkey-model')).toBe(`oa%2F${encodeURIComponent('modèle')}`)
    expect(env.fake.requests.at(-1)!.body?.model).toBe('modèle')
  })

  it('unknown body fields survive the pass-through', async () => {
    await client.chat.completions.create({
      model: 'oa/gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
      // @ts-expect-error: a provider-specific field the SDK does not know
      vendor_extension: { keep: [1, 2, 3] },
    })
    expect(env.fake.requests.at(-1)!.body?.vendor_extension).toEqual({ keep: [1, 2, 3] })
  })

  it('streaming chat: chunks pass through, the usage chunk the client did not ask for is removed', async () => {
    const stream = await client.chat.completions.create({
      model: 'oa/gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    })
    const chunks = []
    for await (const c of stream) chunks.push(c)
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello, world!')
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop')
    expect(chunks.every((c) => c.choices.length === 1)).toBe(true)
    expect(chunks.some((c) => 'usage' in c)).toBe(false)
    // Latchkey asked the upstream for usage anyway, and metered it.
    expect(env.fake.requests.at(-1)!.body?.stream_options).toEqual({ include_usage: true })
    const ev = env.events().at(-1)!
    expect(ev).toMatchObject({ status: 'ok', stream: true })
    expect(ev.usage?.outputTokens).toBe(4)
    expect(ev.ttftMs).not.toBeNull()
    expect(ev.outputShape.finishReason).toBe('stop')
  })

  it('streaming chat with include_usage: the client gets the usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'oa/gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    const chunks = []
    for await (const c of stream) chunks.push(c)
    const last = chunks.at(-1)!
    expect(last.choices).toEqual([])
    expect(last.usage?.completion_tokens).toBe(4)
  })

  it('embeddings (the SDK asks for base64 and decodes it)', async () => {
    const res = await client.embeddings.create({ model: 'oa/text-embedding-3-small', input: ['a', 'b'] })
    expect(res.data).toHaveLength(2)
    expect(res.data[0]!.embedding).toHaveLength(8)
    expect(res.data[0]!.embedding[0]).toBeCloseTo(0.01, 5)
    const ev = env.events().at(-1)!
    expect(ev).toMatchObject({ endpoint: 'embeddings', status: 'ok' })
    expect(ev.outputShape).toMatchObject({ inputs: 2, dimensions: 8 })
  })

  it('lists models: per credential (discovered from the upstream) and route aliases', async () => {
    const page = await client.models.list()
    const ids = page.data.map((m) => m.id)
    expect(ids).toContain('oa/gpt-4o-mini')
    expect(ids).toContain('oa/text-embedding-3-small')
    const anthropicShape = await fetch(`${env.url}/v1/models`, {
      headers: { authorization: `Bearer ${env.tokens.member}`, 'anthropic-version': '2023-06-01' },
    })
    const body = (await anthropicShape.json()) as { data: { type: string; id: string }[]; has_more: boolean }
    expect(body.has_more).toBe(false)
    expect(body.data[0]?.type).toBe('model')
  })

  it('responses API passes through to openai credentials, stream and not', async () => {
    const r = await client.responses.create({ model: 'oa/gpt-4o-mini', input: 'hi' })
    expect(r.output_text).toBe('Hello, world!')
    expect(env.events().at(-1)!.usage).toMatchObject({ inputTokens: 36, outputTokens: 87 })
    const s = await client.responses.create({ model: 'oa/gpt-4o-mini', input: 'hi', stream: true })
    const types: string[] = []
    for await (const e of s) types.push(e.type)
    expect(types).toEqual(['response.created', 'response.output_text.delta', 'response.completed'])
    expect(env.events().at(-1)!).toMatchObject({ endpoint: 'responses', status: 'ok', stream: true })
  })

  it('bad input: unknown model 404, missing messages 400, bad JSON 400, body limit 413', async () => {
    const err = await client.chat.completions
      .create({ model: 'nope/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.NotFoundError)
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found')
    expect((err as Error).message).toContain('<credential>/<model>')

    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${env.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${env.tokens.member}`,
          'content-type': 'application/json',
          ...headers,
        },
        body,
      })
    const noMessages = await post(JSON.stringify({ model: 'oa/gpt-4o-mini' }))
    expect(noMessages.status).toBe(400)
    expect(((await noMessages.json()) as { error: { param: string } }).error.param).toBe('messages')
    expect(env.events().at(-1)).toMatchObject({
      status: 'error',
      httpStatus: 400,
      errorCode: 'missing_messages',
    })
    expect((await post('{"model":')).status).toBe(400)
    const big = await post(
      JSON.stringify({ model: 'oa/x', messages: [{ role: 'user', content: 'x'.repeat(11 * 1024 * 1024) }] }),
    )
    expect(big.status).toBe(413)
    expect(env.fake.requests).toHaveLength(0)
  })

  it('auditors cannot call models; missing token is 401 in OpenAI shape', async () => {
    const auditor = new OpenAI({ baseURL: `${env.url}/v1`, apiKey: env.tokens.auditor, maxRetries: 0 })
    const e = await auditor.chat.completions
      .create({ model: 'oa/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
      .catch((x: unknown) => x)
    expect(e).toBeInstanceOf(OpenAI.PermissionDeniedError)
    const anon = await fetch(`${env.url}/v1/chat/completions`, { method: 'POST', body: '{}' })
    expect(anon.status).toBe(401)
    expect(((await anon.json()) as { error: { type: string } }).error.type).toBe('authentication_error')
  })

  it('upstream 4xx comes back with its status and a scrubbed message', async () => {
    await env.addCredential(
      credential('badkey', env.fake.baseUrl, { apiKey: 'sk-wrong-key-abcdefghijklmnop' }),
    )
    {
      const e = (await client.chat.completions
        .create({ model: 'badkey/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
        .catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>
      expect(e.status).toBe(401)
      expect(e.message).toContain('openai (credential badkey)')
      expect(e.message).not.toContain('sk-wrong-key-abcdefghijklmnop')
      expect(env.fake.requests).toHaveLength(1)
    }
  })
})
