/**
 * A `qwen` credential (DashScope compatible mode) end to end: the official `openai` and
 * `@anthropic-ai/sdk` clients call the running gateway, which calls a small local fake of
 * `/compatible-mode/v1/chat/completions` serving the recorded fixtures
 * (src/providers/qwen/__fixtures__). The fake answers `enable_thinking: true` with the thinking
 * fixtures, and refuses it on non-streamed calls to open-source `qwen3-*` models as DashScope does.
 */
import { describe, expect, it } from 'vitest'
import {
  type Body,
  compatSuite,
  expectNoSecrets,
  expectWeatherCall,
  PARIS,
  type Reply,
  replyRecorded,
  type UpstreamRequest,
  user,
} from './compat-e2e-helpers.js'
import { loadJson } from './fixture-helpers.js'
import { ANTHROPIC_WEATHER_TOOL, WEATHER_TOOL } from './provider-env.js'

const KEY = 'sk-qwenfake0123456789abcdef'
const PATH = '/compatible-mode/v1/chat/completions'

function fixtureFor(body: Body): string {
  const last = body.messages?.at(-1)
  if (body.tools?.length && last?.role !== 'tool') return 'qwen-tool-call'
  if (body.enable_thinking === true) return 'qwen-thinking'
  return 'qwen-text'
}

function answerQwen({ method, path, headers, body }: UpstreamRequest, reply: Reply) {
  if (method !== 'POST' || path !== PATH) return reply.json(404, { error: { message: 'Not Found' } })
  if (headers.authorization !== `Bearer ${KEY}`)
    return reply.json(401, loadJson('qwen', 'qwen-error-invalid-api-key'))
  if (body.model === 'qwen-limited') return reply.json(429, loadJson('qwen', 'qwen-error-rate-limit'))
  if (body.enable_thinking === true && body.stream !== true && /^qwen3-\d/.test(body.model))
    return reply.json(400, loadJson('qwen', 'qwen-error-thinking-non-stream'))
  // qwen-text.json has no recorded stream twin: the plain stream is qwen-text.chunks.txt.
  replyRecorded(reply, 'qwen', body, fixtureFor(body))
}

const env = compatSuite(answerQwen, 'qwen', {
  memory: { qw: ['/compatible-mode/v1', KEY], qwbad: ['/compatible-mode/v1', 'sk-qwenwrong9876543210'] },
})

const hi = [user('Say hi')]

describe('openai SDK → qwen credential (pass-through)', () => {
  it('chat: text, usage with cached tokens, metered', async () => {
    const res = await env.openai.chat.completions.create({ model: 'qw/qwen-plus', messages: hi })
    expect(res.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'Hello, world!' } })
    expect(res.usage).toMatchObject({ prompt_tokens: 3019, prompt_tokens_details: { cached_tokens: 2048 } })
    expect(env.expectUpstreamAuth(PATH, KEY).body).toMatchObject({ model: 'qwen-plus' })
    env.expectMetered({ inputTokens: 3019, outputTokens: 9, cachedReadTokens: 2048 })
  })

  it('chat: enable_thinking passes through; reasoning_content comes back as DashScope sends it', async () => {
    const res = await env.openai.chat.completions.create({
      model: 'qw/qwen-plus',
      messages: [user('17 × 23?')],
      // DashScope's own extension field; the OpenAI SDK sends unknown body fields as they are.
      ...({ enable_thinking: true } as object),
    })
    expect(env.lastUpstream().body).toMatchObject({ enable_thinking: true })
    expect(res.choices[0]!.message).toMatchObject({ content: '391' })
    expect((res.choices[0]!.message as unknown as { reasoning_content: string }).reasoning_content).toContain(
      '391',
    )
    expect(env.lastEvent()).toMatchObject({ usage: { reasoningTokens: 496 } })
  })

  it('chat: tool call', async () => {
    const res = await env.openai.chat.completions.create({
      model: 'qw/qwen3-max',
      messages: [PARIS],
      tools: [WEATHER_TOOL],
    })
    const call = expectWeatherCall(res.choices[0], 'call_7d2e9f4a1b6c4e8d9a0f3b5c')
    expect(call).toMatchObject({ type: 'function' })
  })

  it('stream with include_usage: deltas, finish, the trailing usage chunk', async () => {
    const { text, finish, usage } = await env.streamChat({
      model: 'qw/qwen-plus',
      messages: hi,
      stream_options: { include_usage: true },
    })
    expect({ text, finish }).toEqual({ text: 'Hello, world!', finish: 'stop' })
    expect(usage).toMatchObject({ prompt_tokens: 22, completion_tokens: 9 })
  })

  it('stream without include_usage: the gateway asks for usage to meter, the client does not see it', async () => {
    const { chunks } = await env.streamChat({ model: 'qw/qwen-plus', messages: hi })
    expect(chunks.some((c) => c.usage)).toBe(false)
    expect(env.lastUpstream().body.stream_options).toEqual({ include_usage: true })
    env.expectMetered({ inputTokens: 22, outputTokens: 9 }, { stream: true })
  })

  it('stream: tool call assembled by the SDK helper (continuations carry "id": "")', async () => {
    await env.expectStreamedWeatherCall('qw/qwen3-max', 'call_9b3f1e7a5c2d4b8e0a6c4f2d')
  })

  it('errors: 429 limit_requests; a refused key → 401 naming the credential', async () => {
    const [, denied] = await env.expectChatErrors([
      ['qw/qwen-limited', 429, 'exceeded your current request limit'],
      ['qwbad/qwen-plus', 401, 'qwbad'],
    ])
    expectNoSecrets([denied!], 'sk-qwenwrong')
  })
})

describe('anthropic SDK → qwen credential (translated, quirks applied)', () => {
  it('text: content, usage (cache read split out of input), top_k kept upstream', async () => {
    const msg = await env.anthropic.messages.create({
      model: 'qw/qwen-plus',
      max_tokens: 100,
      top_k: 20,
      messages: hi,
    })
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello, world!' }])
    expect(msg.usage).toMatchObject({ input_tokens: 971, cache_read_input_tokens: 2048, output_tokens: 9 })
    expect(env.lastUpstream().body).toEqual({ model: 'qwen-plus', max_tokens: 100, top_k: 20, messages: hi })
  })

  it('thinking (streamed): enable_thinking upstream, thinking block then text', async () => {
    const msg = await env.streamMessage({
      model: 'qw/qwen3-max',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [user('Hi')],
    })
    // Anthropic's budget goes through as DashScope's own `thinking_budget`.
    expect(env.lastUpstream().body).toMatchObject({
      stream: true,
      enable_thinking: true,
      thinking_budget: 2048,
    })
    expect(env.lastUpstream().body).not.toHaveProperty('reasoning_effort')
    expect(msg.content).toEqual([
      expect.objectContaining({ type: 'thinking', thinking: 'The user says hi; greet back.' }),
      expect.objectContaining({ type: 'text', text: 'Hello, world!' }),
    ])
    expect(msg.usage).toMatchObject({ input_tokens: 24, output_tokens: 21 })
    expect(env.lastEvent()).toMatchObject({ endpoint: 'messages', usage: { reasoningTokens: 12 } })
  })

  it('thinking (not streamed): qwen-plus answers; an open-source qwen3 model refuses with its reason', async () => {
    const req = {
      max_tokens: 4096,
      thinking: { type: 'enabled' as const, budget_tokens: 2048 },
      messages: [user('17 × 23?')],
    }
    const ok = await env.anthropic.messages.create({ ...req, model: 'qw/qwen-plus' })
    expect(ok.content.map((b) => b.type)).toEqual(['thinking', 'text'])
    const err = await env.failMessages('qw/qwen3-32b', req)
    expect(err?.status).toBe(400)
    expect(err?.error).toMatchObject({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: expect.stringContaining('enable_thinking must be set to false for non-streaming calls'),
      },
    })
  })

  it('tools: named tool_choice passes through; tool_use; streamed tool_use assembles', async () => {
    const first = await env.anthropic.messages.create({
      model: 'qw/qwen3-max',
      max_tokens: 100,
      tools: [ANTHROPIC_WEATHER_TOOL],
      tool_choice: { type: 'tool', name: 'get_weather' },
      messages: [PARIS],
    })
    expect(env.lastUpstream().body.tool_choice).toEqual({
      type: 'function',
      function: { name: 'get_weather' },
    })
    expect(first.content).toEqual([
      {
        type: 'tool_use',
        id: 'call_7d2e9f4a1b6c4e8d9a0f3b5c',
        name: 'get_weather',
        input: { location: 'Paris' },
      },
    ])
    const streamed = await env.streamMessagesWeather('qw/qwen3-max', {
      max_tokens: 100,
      messages: [user('Weather?')],
    })
    expect(streamed.stop_reason).toBe('tool_use')
    expect(streamed.content).toEqual([
      {
        type: 'tool_use',
        id: 'call_9b3f1e7a5c2d4b8e0a6c4f2d',
        name: 'get_weather',
        input: { location: 'Paris' },
      },
    ])
    expect(streamed.usage).toMatchObject({ input_tokens: 295, output_tokens: 22 })
  })

  it('429 in Anthropic shape', async () => {
    await env.expectMessagesErrors([['qw/qwen-limited', 429, 'rate_limit_error']])
  })
})
