/**
 * A `mistral` credential end to end: the official `openai` and `@anthropic-ai/sdk` clients call
 * the running gateway, which calls a small local fake of La Plateforme serving the recorded
 * fixtures (src/providers/mistral/__fixtures__). The fake enforces what Mistral is known to
 * enforce: a closed request schema (`stream_options` → 422 extra_forbidden) and nine-character
 * tool-call ids (→ 400), so the quirks are checked by the upstream's own rules.
 */
import type OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { credential } from '../gateway/gateway-helpers.js'
import {
  type AnthropicAPIError,
  type Body,
  type CompatE2E,
  compatE2E,
  type Reply,
  readChatStream,
  rejection,
  type UpstreamRequest,
} from './compat-e2e-helpers.js'
import { loadChunks, loadJson } from './fixture-helpers.js'

const KEY = 'mistral-fake-key-0123456789abcdef'

/** Fixture case for a request: Magistral thinks; a tool turn calls the tool; otherwise text. */
function fixtureFor(body: Body): string {
  if (String(body.model).startsWith('magistral')) return 'mistral-magistral-thinking'
  const last = body.messages?.at(-1)
  if (body.tools?.length && last?.role !== 'tool') return 'mistral-tool-call'
  return 'mistral-text'
}

function answerMistral({ method, path, headers, body }: UpstreamRequest, reply: Reply) {
  if (method !== 'POST' || path !== '/v1/chat/completions') return reply.json(404, { detail: 'Not Found' })
  if (headers.authorization !== `Bearer ${KEY}`)
    return reply.json(401, loadJson('mistral', 'mistral-error-unauthorized'))
  if ('stream_options' in body) return reply.json(422, loadJson('mistral', 'mistral-error-extra-forbidden'))
  const ids = (body.messages as Body[]).flatMap((m) => [
    ...((m.tool_calls as Body[] | undefined) ?? []).map((c) => String(c.id)),
    ...(m.tool_call_id ? [String(m.tool_call_id)] : []),
  ])
  const bad = ids.find((id) => !/^[A-Za-z0-9]{9}$/.test(id))
  if (bad) {
    return reply.json(400, {
      ...loadJson<Record<string, unknown>>('mistral', 'mistral-error-tool-call-id'),
      message: `Tool call id was ${bad} but must be a-z, A-Z, 0-9, with a length of 9.`,
    })
  }
  if (body.model === 'mistral-limited')
    return reply.json(429, loadJson('mistral', 'mistral-error-rate-limit'), { 'retry-after': '1' })
  const name = fixtureFor(body)
  if (body.stream !== true) return reply.json(200, loadJson('mistral', name))
  reply.sse(loadChunks('mistral', name))
}

const WEATHER = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
}
const TOOL = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: {
    type: 'object' as const,
    properties: { location: { type: 'string' } },
    required: ['location'],
  },
}

let env: CompatE2E
beforeAll(async () => {
  env = await compatE2E(answerMistral, {
    creds: (url) => [
      credential('mi', `${url}/v1`, { provider: 'mistral', apiKey: KEY }),
      credential('mibad', `${url}/v1`, { provider: 'mistral', apiKey: 'mistral-wrong-key-9876543210' }),
    ],
  })
})
afterAll(() => env?.close())
beforeEach(() => {
  env.upstream.requests.length = 0
})

describe('openai SDK → mistral credential (pass-through)', () => {
  it('chat: text, finish, usage; upstream gets the model and the credential key', async () => {
    const res = await env.openai.chat.completions.create({
      model: 'mi/mistral-small-latest',
      messages: [{ role: 'user', content: 'Say hi' }],
      max_tokens: 50,
    })
    expect(res.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'Hello, world!' } })
    expect(res.usage).toMatchObject({ prompt_tokens: 19, completion_tokens: 9, total_tokens: 28 })
    expect(env.lastUpstream()).toMatchObject({
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${KEY}` },
      body: { model: 'mistral-small-latest', max_tokens: 50 },
    })
    expect(env.lastEvent()).toMatchObject({ status: 'ok', usage: { inputTokens: 19, outputTokens: 9 } })
  })

  it('chat: the body goes upstream as sent, so `seed` is not renamed to random_seed here', async () => {
    // The quirks (random_seed, tool_choice "any", …) run only on translated calls (/v1/messages);
    // /v1/chat/completions to an OpenAI-wire kind is a pass-through. Real Mistral's closed schema
    // may refuse `seed` (unconfirmed); this fake accepts it.
    await env.openai.chat.completions.create({
      model: 'mi/mistral-small-latest',
      messages: [{ role: 'user', content: 'Say hi' }],
      seed: 7,
    })
    expect(env.lastUpstream().body).toMatchObject({ seed: 7 })
    expect(env.lastUpstream().body).not.toHaveProperty('random_seed')
  })

  it('chat: tool call with Mistral’s nine-character id', async () => {
    const res = await env.openai.chat.completions.create({
      model: 'mi/mistral-small-latest',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [WEATHER],
    })
    expect(res.choices[0]!.finish_reason).toBe('tool_calls')
    const call = res.choices[0]!.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall
    expect(call).toMatchObject({ id: 'kX7pQ2mZr', function: { name: 'get_weather' } })
    // Pass-through: Mistral sends no `type` on tool calls and the gateway does not add one.
    expect(call).not.toHaveProperty('type')
    expect(JSON.parse(call.function.arguments)).toEqual({ location: 'Paris' })
  })

  it('stream: text deltas, finish, usage on the finish chunk; no stream_options added for Mistral', async () => {
    const stream = await env.openai.chat.completions.create({
      model: 'mi/mistral-small-latest',
      messages: [{ role: 'user', content: 'Say hi' }],
      stream: true,
    })
    const { text, finish, usage } = await readChatStream(stream)
    expect({ text, finish }).toEqual({ text: 'Hello, world!', finish: 'stop' })
    expect(usage).toMatchObject({ prompt_tokens: 2067, completion_tokens: 9 })
    expect(env.lastUpstream().body).not.toHaveProperty('stream_options')
    expect(env.lastEvent()).toMatchObject({
      status: 'ok',
      stream: true,
      usage: { inputTokens: 2067, outputTokens: 9, cachedReadTokens: 2048 },
    })
  })

  it('stream: whole tool calls get the index and type OpenAI clients assemble them by', async () => {
    const stream = await env.openai.chat.completions.create({
      model: 'mi/mistral-small-latest',
      messages: [{ role: 'user', content: 'Weather in Paris and Lyon?' }],
      tools: [WEATHER],
      stream: true,
    })
    const calls: { id?: string; name?: string; args?: string; index?: number }[] = []
    let finish: string | null = null
    for await (const chunk of stream) {
      for (const t of chunk.choices[0]?.delta.tool_calls ?? [])
        calls.push({ id: t.id, name: t.function?.name, args: t.function?.arguments, index: t.index })
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect(finish).toBe('tool_calls')
    expect(calls.map((c) => [c.id, c.name, JSON.parse(c.args!), c.index])).toEqual([
      ['kX7pQ2mZr', 'get_weather', { location: 'Paris' }, 0],
      ['Rb4nW8tLq', 'get_weather', { location: 'Lyon' }, 1],
    ])
  })

  it('stream: the openai SDK stream helper assembles both calls', async () => {
    // ChatCompletionStream assembles tool calls by `index`, which Mistral does not send: the
    // pass-through numbers them (openai-compatible-adapter.ts STREAM_REPAIRS).
    const final = await env.openai.chat.completions
      .stream({
        model: 'mi/mistral-small-latest',
        messages: [{ role: 'user', content: 'Weather in Paris and Lyon?' }],
        tools: [WEATHER],
      })
      .finalChatCompletion()
    expect(final.choices[0]!.finish_reason).toBe('tool_calls')
    expect(final.choices[0]!.message.tool_calls?.map((t) => [t.id, t.function.name])).toEqual([
      ['kX7pQ2mZr', 'get_weather'],
      ['Rb4nW8tLq', 'get_weather'],
    ])
  })

  it('stream with stream_options: dropped for Mistral (it refuses the field), usage still comes', async () => {
    // Many OpenAI clients send include_usage by default; Mistral answers 422 to the field and
    // reports usage on its finish chunk anyway.
    const stream = await env.openai.chat.completions.create({
      model: 'mi/mistral-small-latest',
      messages: [{ role: 'user', content: 'Say hi' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    let usage: unknown
    for await (const chunk of stream) usage = chunk.usage ?? usage
    expect(usage).toMatchObject({ prompt_tokens: expect.any(Number) })
    expect(env.lastUpstream().body).not.toHaveProperty('stream_options')
  })

  it('errors: 429 keeps retry-after; a refused key → 401 naming the credential, not the key', async () => {
    const fail = (model: string) =>
      rejection(env.openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }))
    const limited = await fail('mi/mistral-limited')
    expect(limited.status).toBe(429)
    expect(limited.headers?.get('retry-after')).toBe('1')
    const denied = await fail('mibad/mistral-small-latest')
    expect(denied.status).toBe(401)
    expect(denied.message).toContain('mibad')
    expect(JSON.stringify(denied.error)).not.toContain('mistral-wrong-key')
  })
})

describe('anthropic SDK → mistral credential (translated, quirks applied)', () => {
  it('text: content, end_turn, usage; no stream_options or unknown fields upstream', async () => {
    const msg = await env.anthropic.messages.create({
      model: 'mi/mistral-small-latest',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Say hi' }],
    })
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello, world!' }])
    expect(msg.stop_reason).toBe('end_turn')
    expect(msg.usage).toMatchObject({ input_tokens: 19, output_tokens: 9 })
    expect(env.lastUpstream().body).toEqual({
      model: 'mistral-small-latest',
      max_tokens: 100,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hi' },
      ],
    })
    expect(env.lastEvent()).toMatchObject({ status: 'ok', endpoint: 'messages', usage: { outputTokens: 9 } })
  })

  it('tools: tool_choice any goes up as "any"; tool_use then the answer after tool_result', async () => {
    const first = await env.anthropic.messages.create({
      model: 'mi/mistral-small-latest',
      max_tokens: 100,
      tools: [TOOL],
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    })
    expect(env.lastUpstream().body.tool_choice).toBe('any')
    expect(first.stop_reason).toBe('tool_use')
    const use = first.content.find((b) => b.type === 'tool_use')
    if (use?.type !== 'tool_use') throw new Error('no tool_use')
    expect(use).toMatchObject({ id: 'kX7pQ2mZr', name: 'get_weather', input: { location: 'Paris' } })
    const second = await env.anthropic.messages.create({
      model: 'mi/mistral-small-latest',
      max_tokens: 100,
      tools: [TOOL],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18C' }] },
      ],
    })
    expect(second.content).toEqual([{ type: 'text', text: 'Hello, world!' }])
    expect(env.lastUpstream().body.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'kX7pQ2mZr' })
  })

  it('a history with another provider’s tool ids is accepted (ids mapped to nine characters)', async () => {
    const msg = await env.anthropic.messages.create({
      model: 'mi/mistral-small-latest',
      max_tokens: 100,
      tools: [TOOL],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: [
            {
              type: 'tool_use',
              id: 'toolu_01A09q90qw90lq917835lq9',
              name: 'get_weather',
              input: { location: 'Paris' },
            },
          ],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '18C' }],
        },
      ],
    })
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello, world!' }])
    const [assistant, tool] = env.lastUpstream().body.messages.slice(-2)
    expect(assistant.tool_calls[0].id).toMatch(/^[A-Za-z0-9]{9}$/)
    expect(tool.tool_call_id).toBe(assistant.tool_calls[0].id)
  })

  it('stream: text, usage with cache read, no stream_options upstream', async () => {
    const msg = await env.anthropic.messages
      .stream({
        model: 'mi/mistral-small-latest',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'Say hi' }],
      })
      .finalMessage()
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello, world!' }])
    expect(msg.usage).toMatchObject({ input_tokens: 19, cache_read_input_tokens: 2048, output_tokens: 9 })
    expect(env.lastUpstream().body).toMatchObject({ stream: true })
    expect(env.lastUpstream().body).not.toHaveProperty('stream_options')
    expect(env.lastEvent()).toMatchObject({ status: 'ok', stream: true, usage: { inputTokens: 2067 } })
  })

  it('stream: two whole tool calls become two tool_use blocks', async () => {
    const msg = await env.anthropic.messages
      .stream({
        model: 'mi/mistral-small-latest',
        max_tokens: 100,
        tools: [TOOL],
        messages: [{ role: 'user', content: 'Weather in Paris and Lyon?' }],
      })
      .finalMessage()
    expect(msg.stop_reason).toBe('tool_use')
    expect(msg.content).toEqual([
      { type: 'tool_use', id: 'kX7pQ2mZr', name: 'get_weather', input: { location: 'Paris' } },
      { type: 'tool_use', id: 'Rb4nW8tLq', name: 'get_weather', input: { location: 'Lyon' } },
    ])
  })

  it('Magistral thinking chunks become thinking blocks (stream and not)', async () => {
    const req = {
      model: 'mi/magistral-medium-2507',
      max_tokens: 100,
      messages: [{ role: 'user' as const, content: '2+2?' }],
    }
    const want = [
      expect.objectContaining({ type: 'thinking', thinking: 'The user asks for 2+2. That is 4.' }),
      expect.objectContaining({ type: 'text', text: '2 + 2 = 4' }),
    ]
    expect((await env.anthropic.messages.create(req)).content).toEqual(want)
    expect((await env.anthropic.messages.stream(req).finalMessage()).content).toEqual(want)
  })

  it('429 comes back in Anthropic shape with retry-after', async () => {
    const err = await rejection<AnthropicAPIError>(
      env.anthropic.messages.create({
        model: 'mi/mistral-limited',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
      }),
    )
    expect(err?.status).toBe(429)
    expect(err?.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })
    expect(err?.headers?.get?.('retry-after')).toBe('1')
  })
})
