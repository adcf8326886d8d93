/**
 * Moonshot Kimi end to end through the running server: a credential created with the vault API
 * points at a small fake Kimi (node:http on 127.0.0.1) that answers with the recorded-shape
 * fixtures of src/providers/moonshot/__fixtures__ and enforces what the real API enforces here
 * (Bearer key; `reasoning_content` on every assistant tool-call turn of a thinking model).
 * The official `openai` SDK (pass-through: the body goes upstream as sent, the answer comes back
 * as Kimi wrote it) and `@anthropic-ai/sdk` (translated, with the moonshot quirks) call it.
 */
import { describe, expect, it } from 'vitest'
import {
  type Body,
  compatSuite,
  expectNoSecrets,
  expectThinkingThenWeather,
  PARIS,
  type Reply,
  streamChunks,
  toolUseOf,
  type UpstreamRequest,
  user,
  withToolResult,
} from './compat-e2e-helpers.js'
import { loadJson } from './fixture-helpers.js'
import { ANTHROPIC_WEATHER_TOOL } from './provider-env.js'

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

const ONE_PLUS_ONE = [user('What is 1+1?')]

const env = compatSuite(answerKimi, 'moonshot', {
  api: { kimi: ['/v1', KEY], 'kimi-bad': ['/v1', WRONG_KEY] },
})

describe('moonshot e2e: openai SDK (pass-through)', () => {
  it('the loopback base URL is allowed by the default egress mode (open)', () => {
    // A `public-only` deployment would refuse 127.0.0.1 for Kimi at credential creation.
    expect(env.config.egress).toBe('open')
  })

  it('the credential API takes Kimi credentials; no key comes back', () => {
    env.expectStoredCredentials({ provider: 'moonshot', category: 'sovereign' })
  })

  it('text: content, finish reason, usage; the credential key upstream, never the Latchkey token', async () => {
    const res = await env.openai.chat.completions.create({
      model: 'kimi/kimi-k2-turbo-preview',
      messages: ONE_PLUS_ONE,
    })
    expect(res.choices[0]?.message.content).toContain('1+1 equals 2')
    expect(res.choices[0]?.finish_reason).toBe('stop')
    expect(res.usage).toMatchObject({ prompt_tokens: 19, completion_tokens: 21, total_tokens: 40 })
    // Kimi's own field reaches OpenAI clients untouched.
    expect((res.usage as unknown as Record<string, number>).cached_tokens).toBe(10)
    const up = env.expectUpstreamAuth('/v1/chat/completions', KEY)
    expect(up.body).toEqual({ model: 'kimi-k2-turbo-preview', messages: ONE_PLUS_ONE })
    env.expectMetered({ inputTokens: 19, outputTokens: 21 })
  })

  // Kimi reports cached tokens at the top of `usage`; pass-through answers are metered as they come.
  it('metering counts the top-level cached_tokens of a pass-through call', async () => {
    await env.openai.chat.completions.create({ model: 'kimi/kimi-k2-turbo-preview', messages: ONE_PLUS_ONE })
    expect(env.lastEvent().usage?.cachedReadTokens).toBe(10)
  })

  it('stream: text deltas, finish, the include_usage chunk; include_usage asked upstream', async () => {
    const { text, finish, usage } = await env.streamChat({
      model: 'kimi/kimi-k2-turbo-preview',
      messages: ONE_PLUS_ONE,
      stream_options: { include_usage: true },
    })
    expect({ text, finish }).toEqual({ text: 'Hello, Li Lei! 1+1 equals 2.', finish: 'stop' })
    expect(usage).toMatchObject({ prompt_tokens: 19, completion_tokens: 13 })
    expect(env.lastUpstream().body).toMatchObject({ stream: true, stream_options: { include_usage: true } })
    env.expectMetered({ outputTokens: 13 }, { stream: true })
  })

  it('tool call round trip: Kimi ids, reasoning_content kept on the replayed turn', async () => {
    // The SDK keeps unknown fields, so appending the message replays reasoning_content as Kimi wants.
    const { choice, second } = await env.chatToolRoundTrip('kimi/kimi-k2-thinking', 'get_weather:0', {
      extra: { tool_choice: 'auto' },
    })
    expect((choice.message as unknown as Record<string, string>).reasoning_content).toMatch(/^The user asks/)
    expect(second.choices[0]?.message.content).toContain('1+1 equals 2')
    expect(env.lastUpstream().body.messages[1]).toMatchObject({
      role: 'assistant',
      reasoning_content: expect.stringMatching(/^The user asks/),
    })
  })

  it('streamed tool call: id and name first, arguments assembled; usage from the trailing chunk', async () => {
    await env.expectStreamedWeatherCall('kimi/kimi-k2-thinking', 'get_weather:0')
    env.expectMetered(
      { inputTokens: 212, outputTokens: 52, cachedReadTokens: 128, reasoningTokens: 30 },
      { stream: true },
    )
  })

  it('errors: 429 with Kimi reason, 404 unknown model, 401 naming the credential and never the key', async () => {
    // Every kind fails through the one mapping (src/providers/http/upstream-error.ts):
    // provider and credential name, then Kimi's scrubbed reason.
    const errors = await env.expectChatErrors([
      ['kimi/kimi-limited', 429, 'request reached organization max RPM: 3'],
      ['kimi/kimi-k9-preview', 404, 'Not found the model kimi-k9-preview'],
      ['kimi-bad/kimi-k2-turbo-preview', 401, 'moonshot (credential kimi-bad): Invalid Authentication'],
    ])
    expectNoSecrets(errors, WRONG_KEY, KEY)
  })
})

describe('moonshot e2e: anthropic SDK (translated)', () => {
  it('text: usage splits Kimi cache hits into cache_read_input_tokens', async () => {
    const msg = await env.anthropic.messages.create({
      model: 'kimi/kimi-k2-turbo-preview',
      max_tokens: 100,
      system: 'Be brief.',
      messages: ONE_PLUS_ONE,
    })
    expect(msg.content).toEqual([
      expect.objectContaining({ type: 'text', text: expect.stringContaining('2') }),
    ])
    expect(msg.stop_reason).toBe('end_turn')
    expect(msg.usage).toMatchObject({ input_tokens: 9, cache_read_input_tokens: 10, output_tokens: 21 })
    expect(env.lastUpstream().body).toMatchObject({
      model: 'kimi-k2-turbo-preview',
      max_tokens: 100,
      messages: [{ role: 'system', content: 'Be brief.' }, ...ONE_PLUS_ONE],
    })
  })

  it('thinking + tool_use, then the tool_result turn replays reasoning_content (or "" when dropped)', async () => {
    const req = { model: 'kimi/kimi-k2-thinking', max_tokens: 1024, tools: [ANTHROPIC_WEATHER_TOOL] }
    const { data: first, response } = await env.anthropic.messages
      .create({ ...req, top_k: 5, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [PARIS] })
      .withResponse()
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'tool_use'])
    const use = toolUseOf(first)
    expect(use).toMatchObject({ id: 'get_weather:0', name: 'get_weather', input: { location: 'Paris' } })
    expect(first.usage).toMatchObject({ cache_read_input_tokens: 128, input_tokens: 84 })
    // top_k is not a Kimi parameter: dropped and reported; the thinking budget is not sent either.
    expect(response.headers.get('x-latchkey-warning')).toContain('top_k')
    const up1 = env.lastUpstream().body
    expect(up1).not.toHaveProperty('top_k')
    expect(up1).not.toHaveProperty('thinking_budget')
    expect(up1.reasoning_effort).toBe('medium')

    const second = await env.anthropic.messages.create({
      ...req,
      messages: withToolResult(PARIS, first.content, use.id),
    })
    expect(second.content.find((b) => b.type === 'text')).toBeTruthy()
    expect(env.lastUpstream().body.messages[1]).toMatchObject({
      role: 'assistant',
      reasoning_content: expect.stringMatching(/^The user asks for the weather/),
      tool_calls: [{ id: 'get_weather:0', type: 'function', function: { name: 'get_weather' } }],
    })
    // A client that drops thinking blocks: Kimi would answer 400 without the empty field.
    const third = await env.anthropic.messages.create({
      ...req,
      messages: withToolResult(PARIS, [use], use.id),
    })
    expect(third.stop_reason).toBe('end_turn')
    expect(env.lastUpstream().body.messages[1]).toMatchObject({ role: 'assistant', reasoning_content: '' })
  })

  it('streams: thinking then tool_use with assembled input; text with usage lifted from the choice', async () => {
    const tool = await env.streamMessagesWeather('kimi/kimi-k2-thinking')
    expectThinkingThenWeather(tool, 'The user wants the weather in Paris. Call get_weather.', 'get_weather:0')
    expect(tool.usage).toMatchObject({ output_tokens: 52, cache_read_input_tokens: 128 })
    const text = await env.streamMessage({
      model: 'kimi/kimi-k2-turbo-preview',
      max_tokens: 100,
      messages: [user('1+1?')],
    })
    expect(text.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'Hello, Li Lei! 1+1 equals 2.' }),
    ])
    expect(text.usage).toMatchObject({ input_tokens: 19, output_tokens: 13 })
    expect(env.lastEvent()).toMatchObject({ status: 'ok', stream: true, endpoint: 'messages' })
  })

  it('errors in Anthropic shape: 429 rate_limit_error, 401 authentication_error without the key', async () => {
    const [, bad] = await env.expectMessagesErrors([
      ['kimi/kimi-limited', 429, 'rate_limit_error'],
      ['kimi-bad/kimi-k2-turbo-preview', 401, 'authentication_error'],
    ])
    expectNoSecrets([bad!], WRONG_KEY)
  })
})
