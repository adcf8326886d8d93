/**
 * Moonshot Kimi end to end through the running server: a credential created with the vault API
 * points at a small fake Kimi (node:http on 127.0.0.1) that answers with the recorded-shape
 * fixtures of src/providers/moonshot/__fixtures__ and enforces what the real API enforces here
 * (Bearer key; `reasoning_content` on every assistant tool-call turn of a thinking model).
 * The official `openai` SDK (pass-through: the body goes upstream as sent, the answer comes back
 * as Kimi wrote it) and `@anthropic-ai/sdk` (translated, with the moonshot quirks) call it.
 */
import type OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type AnthropicAPIError,
  type Body,
  type CompatE2E,
  compatE2E,
  type Reply,
  readChatStream,
  rejection,
  streamChunks,
  type UpstreamRequest,
} from './compat-e2e-helpers.js'
import { loadJson } from './fixture-helpers.js'

const KEY = 'sk-kimi-e2e-0123456789abcdefghij'
const WRONG_KEY = 'sk-kimi-e2e-wrong-9876543210zyx'

type Chunk = { choices: { usage?: unknown }[]; usage?: unknown } & Record<string, unknown>

const fixture = (name: string) => loadJson('moonshot', name)

/**
 * Kimi's stream as sent for this request: usage rides on the finishing choice; under
 * `stream_options.include_usage` an extra `choices: []` chunk carries it before [DONE] (API
 * reference, stream_options), so one is added when the fixture has none, and dropped when not asked.
 */
function kimiStream(name: string, body: Body): Chunk[] {
  const chunks = streamChunks<Chunk>('moonshot', name, body)
  const last = chunks.at(-1)!
  const usage = last.choices[0]?.usage
  if (body.stream_options?.include_usage === true && last.choices.length > 0 && usage)
    chunks.push({ ...last, choices: [], usage })
  return chunks
}

function answerKimi({ method, path, headers, body }: UpstreamRequest, reply: Reply) {
  if (method !== 'POST' || path !== '/v1/chat/completions')
    return reply.json(404, { error: { message: 'url.not_found', type: 'resource_not_found_error' } })
  if (headers.authorization !== `Bearer ${KEY}`) return reply.json(401, fixture('moonshot-error-401'))
  const model = String(body.model)
  if (model === 'kimi-limited') return reply.json(429, fixture('moonshot-error-429-rate-limit'))
  if (model === 'kimi-k9-preview') return reply.json(404, fixture('moonshot-error-404-model'))
  const messages = body.messages as Record<string, unknown>[]
  if (model.includes('thinking')) {
    const i = messages.findIndex(
      (m) => m.role === 'assistant' && Array.isArray(m.tool_calls) && !('reasoning_content' in m),
    )
    if (i >= 0) {
      return reply.json(400, {
        error: {
          message: `thinking is enabled but reasoning_content is missing in assistant tool call message at index ${i}`,
          type: 'invalid_request_error',
        },
      })
    }
  }
  const toolTurn = Array.isArray(body.tools) && messages.at(-1)?.role === 'user'
  if (body.stream)
    return reply.sse(kimiStream(toolTurn ? 'moonshot-kimi-k2-thinking-tool-call' : 'moonshot-text', body))
  reply.json(200, fixture(toolTurn ? 'moonshot-kimi-k2-thinking-tool-call' : 'moonshot-text'))
}

const TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
}
const ANTHROPIC_TOOL = {
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
  env = await compatE2E(answerKimi)
  for (const [name, apiKey] of [
    ['kimi', KEY],
    ['kimi-bad', WRONG_KEY],
  ] as const) {
    const res = await env.postCredential({
      name,
      provider: 'moonshot',
      apiKey,
      baseUrl: `${env.upstream.url}/v1`,
      scope: 'org',
    })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({
      provider: 'moonshot',
      category: 'sovereign',
      baseUrl: `${env.upstream.url}/v1`,
    })
    expect(res.body).not.toContain(apiKey)
  }
})
afterAll(() => env?.close())

describe('moonshot e2e: openai SDK (pass-through)', () => {
  it('the loopback base URL is allowed by the default egress mode (open)', () => {
    // A `public-only` deployment would refuse 127.0.0.1 for Kimi at credential creation.
    expect(env.config.egress).toBe('open')
  })

  it('text: content, finish reason, usage; the credential key upstream, never the Latchkey token', async () => {
    const res = await env.openai.chat.completions.create({
      model: 'kimi/kimi-k2-turbo-preview',
      messages: [{ role: 'user', content: 'What is 1+1?' }],
    })
    expect(res.choices[0]?.message.content).toContain('1+1 equals 2')
    expect(res.choices[0]?.finish_reason).toBe('stop')
    expect(res.usage).toMatchObject({ prompt_tokens: 19, completion_tokens: 21, total_tokens: 40 })
    // Kimi's own field reaches OpenAI clients untouched.
    expect((res.usage as unknown as Record<string, number>).cached_tokens).toBe(10)
    const up = env.lastUpstream()
    expect(up.path).toBe('/v1/chat/completions')
    expect(up.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(up.body).toEqual({
      model: 'kimi-k2-turbo-preview',
      messages: [{ role: 'user', content: 'What is 1+1?' }],
    })
    expect(JSON.stringify(up.headers)).not.toContain(env.tokens.member)
    expect(env.lastEvent()).toMatchObject({ status: 'ok', usage: { inputTokens: 19, outputTokens: 21 } })
  })

  // Kimi reports cached tokens at the top of `usage`; pass-through answers are metered as they come.
  it('metering counts the top-level cached_tokens of a pass-through call', async () => {
    await env.openai.chat.completions.create({
      model: 'kimi/kimi-k2-turbo-preview',
      messages: [{ role: 'user', content: 'What is 1+1?' }],
    })
    expect(env.lastEvent().usage?.cachedReadTokens).toBe(10)
  })

  it('stream: text deltas, finish, the include_usage chunk; include_usage asked upstream', async () => {
    const stream = await env.openai.chat.completions.create({
      model: 'kimi/kimi-k2-turbo-preview',
      messages: [{ role: 'user', content: 'What is 1+1?' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    const { text, finish, usage } = await readChatStream(stream)
    expect(text).toBe('Hello, Li Lei! 1+1 equals 2.')
    expect(finish).toBe('stop')
    expect(usage).toMatchObject({ prompt_tokens: 19, completion_tokens: 13 })
    expect(env.lastUpstream().body).toMatchObject({ stream: true, stream_options: { include_usage: true } })
    expect(env.lastEvent()).toMatchObject({ status: 'ok', stream: true, usage: { outputTokens: 13 } })
  })

  it('tool call round trip: Kimi ids, reasoning_content kept on the replayed turn', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const first = await env.openai.chat.completions.create({
      model: 'kimi/kimi-k2-thinking',
      messages,
      tools: [TOOL],
      tool_choice: 'auto',
    })
    const choice = first.choices[0]!
    expect(choice.finish_reason).toBe('tool_calls')
    const call = choice.message.tool_calls?.[0]
    if (call?.type !== 'function') throw new Error('no call')
    expect(call).toMatchObject({ id: 'get_weather:0', function: { name: 'get_weather' } })
    expect(JSON.parse(call.function.arguments)).toEqual({ location: 'Paris' })
    expect((choice.message as unknown as Record<string, string>).reasoning_content).toMatch(/^The user asks/)
    // The SDK keeps unknown fields, so appending the message replays reasoning_content as Kimi wants.
    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temp":18}' })
    const second = await env.openai.chat.completions.create({ model: 'kimi/kimi-k2-thinking', messages })
    expect(second.choices[0]?.message.content).toContain('1+1 equals 2')
    expect(env.lastUpstream().body.messages[1]).toMatchObject({
      role: 'assistant',
      reasoning_content: expect.stringMatching(/^The user asks/),
    })
  })

  it('streamed tool call: id and name first, arguments assembled; usage from the trailing chunk', async () => {
    const final = await env.openai.chat.completions
      .stream({
        model: 'kimi/kimi-k2-thinking',
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [TOOL],
      })
      .finalChatCompletion()
    const call = final.choices[0]?.message.tool_calls?.[0]
    if (call?.type !== 'function') throw new Error('no call')
    expect(call.id).toBe('get_weather:0')
    expect(JSON.parse(call.function.arguments)).toEqual({ location: 'Paris' })
    expect(final.choices[0]?.finish_reason).toBe('tool_calls')
    expect(env.lastEvent()).toMatchObject({
      status: 'ok',
      stream: true,
      usage: { inputTokens: 212, outputTokens: 52, cachedReadTokens: 128, reasoningTokens: 30 },
    })
  })

  it('errors: 429 with Kimi reason, 404 unknown model, 401 naming the credential and never the key', async () => {
    const fail = (model: string) =>
      rejection(env.openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }))
    const limited = await fail('kimi/kimi-limited')
    expect(limited.status).toBe(429)
    expect(limited.message).toContain('request reached organization max RPM: 3')
    const missing = await fail('kimi/kimi-k9-preview')
    expect(missing.status).toBe(404)
    expect(missing.message).toContain('Not found the model kimi-k9-preview')
    const bad = await fail('kimi-bad/kimi-k2-turbo-preview')
    expect(bad.status).toBe(401)
    // OpenAI-wire kinds fail through the gateway's httpFailure (src/gateway/upstream-errors.ts):
    // provider and credential name, then Kimi's scrubbed reason.
    expect(bad.message).toContain('moonshot (credential kimi-bad): Invalid Authentication')
    for (const e of [limited, missing, bad]) {
      expect(JSON.stringify(e.error)).not.toContain(WRONG_KEY)
      expect(JSON.stringify(e.error)).not.toContain(KEY)
    }
  })
})

describe('moonshot e2e: anthropic SDK (translated)', () => {
  it('text: usage splits Kimi cache hits into cache_read_input_tokens', async () => {
    const msg = await env.anthropic.messages.create({
      model: 'kimi/kimi-k2-turbo-preview',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'What is 1+1?' }],
    })
    expect(msg.content).toEqual([
      expect.objectContaining({ type: 'text', text: expect.stringContaining('2') }),
    ])
    expect(msg.stop_reason).toBe('end_turn')
    expect(msg.usage).toMatchObject({ input_tokens: 9, cache_read_input_tokens: 10, output_tokens: 21 })
    expect(env.lastUpstream().body).toMatchObject({
      model: 'kimi-k2-turbo-preview',
      max_tokens: 100,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is 1+1?' },
      ],
    })
  })

  it('thinking + tool_use, then the tool_result turn replays reasoning_content (or "" when dropped)', async () => {
    const { data: first, response } = await env.anthropic.messages
      .create({
        model: 'kimi/kimi-k2-thinking',
        max_tokens: 1024,
        top_k: 5,
        thinking: { type: 'enabled', budget_tokens: 2048 },
        tools: [ANTHROPIC_TOOL],
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
      })
      .withResponse()
    expect(first.stop_reason).toBe('tool_use')
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'tool_use'])
    const use = first.content[1]
    if (use?.type !== 'tool_use') throw new Error('no tool_use')
    expect(use).toMatchObject({ id: 'get_weather:0', name: 'get_weather', input: { location: 'Paris' } })
    expect(first.usage).toMatchObject({ cache_read_input_tokens: 128, input_tokens: 84 })
    // top_k is not a Kimi parameter: dropped and reported; the thinking budget is not sent either.
    expect(response.headers.get('x-latchkey-warning')).toContain('top_k')
    const up1 = env.lastUpstream().body
    expect(up1).not.toHaveProperty('top_k')
    expect(up1).not.toHaveProperty('thinking_budget')
    expect(up1.reasoning_effort).toBe('medium')

    const result = {
      role: 'user' as const,
      content: [{ type: 'tool_result' as const, tool_use_id: use.id, content: '18C' }],
    }
    const ask = { role: 'user' as const, content: 'Weather in Paris?' }
    const second = await env.anthropic.messages.create({
      model: 'kimi/kimi-k2-thinking',
      max_tokens: 1024,
      tools: [ANTHROPIC_TOOL],
      messages: [ask, { role: 'assistant', content: first.content }, result],
    })
    expect(second.content.find((b) => b.type === 'text')).toBeTruthy()
    expect(env.lastUpstream().body.messages[1]).toMatchObject({
      role: 'assistant',
      reasoning_content: expect.stringMatching(/^The user asks for the weather/),
      tool_calls: [{ id: 'get_weather:0', type: 'function', function: { name: 'get_weather' } }],
    })
    // A client that drops thinking blocks: Kimi would answer 400 without the empty field.
    const third = await env.anthropic.messages.create({
      model: 'kimi/kimi-k2-thinking',
      max_tokens: 1024,
      tools: [ANTHROPIC_TOOL],
      messages: [ask, { role: 'assistant', content: [use] }, result],
    })
    expect(third.stop_reason).toBe('end_turn')
    expect(env.lastUpstream().body.messages[1]).toMatchObject({ role: 'assistant', reasoning_content: '' })
  })

  it('streams: thinking then tool_use with assembled input; text with usage lifted from the choice', async () => {
    const tool = await env.anthropic.messages
      .stream({
        model: 'kimi/kimi-k2-thinking',
        max_tokens: 1024,
        tools: [ANTHROPIC_TOOL],
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
      })
      .finalMessage()
    expect(tool.content).toEqual([
      expect.objectContaining({
        type: 'thinking',
        thinking: 'The user wants the weather in Paris. Call get_weather.',
      }),
      expect.objectContaining({ type: 'tool_use', id: 'get_weather:0', input: { location: 'Paris' } }),
    ])
    expect(tool.stop_reason).toBe('tool_use')
    expect(tool.usage).toMatchObject({ output_tokens: 52, cache_read_input_tokens: 128 })
    const text = await env.anthropic.messages
      .stream({
        model: 'kimi/kimi-k2-turbo-preview',
        max_tokens: 100,
        messages: [{ role: 'user', content: '1+1?' }],
      })
      .finalMessage()
    expect(text.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'Hello, Li Lei! 1+1 equals 2.' }),
    ])
    expect(text.usage).toMatchObject({ input_tokens: 19, output_tokens: 13 })
    expect(env.lastEvent()).toMatchObject({ status: 'ok', stream: true, endpoint: 'messages' })
  })

  it('errors in Anthropic shape: 429 rate_limit_error, 401 authentication_error without the key', async () => {
    const fail = (model: string) =>
      rejection<AnthropicAPIError>(
        env.anthropic.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      )
    const limited = await fail('kimi/kimi-limited')
    expect(limited.status).toBe(429)
    expect(limited.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })
    const bad = await fail('kimi-bad/kimi-k2-turbo-preview')
    expect(bad.status).toBe(401)
    expect(bad.error).toMatchObject({ error: { type: 'authentication_error' } })
    expect(JSON.stringify(bad.error)).not.toContain(WRONG_KEY)
  })
})
