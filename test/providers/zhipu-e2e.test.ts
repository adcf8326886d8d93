/**
 * A `zhipu` credential (BigModel / Z.AI GLM) end to end: the official `openai` and
 * `@anthropic-ai/sdk` clients call the running gateway, which calls a small local fake of
 * `/api/paas/v4/chat/completions` serving the recorded fixtures (src/providers/zhipu/__fixtures__):
 * `thinking: {type: "enabled"}` gets the thinking fixtures, a request with tools the tool-call ones.
 */
import { describe, expect, it } from 'vitest'
import {
  type Body,
  compatSuite,
  expectNoSecrets,
  expectThinkingThenWeather,
  expectWeatherCall,
  joinDeltas,
  PARIS,
  type Reply,
  replyRecorded,
  type UpstreamRequest,
  user,
  withToolResult,
} from './compat-e2e-helpers.js'
import { loadJson } from './fixture-helpers.js'
import { ANTHROPIC_WEATHER_TOOL, WEATHER_TOOL } from './provider-env.js'

const KEY = '0f1e2d3c4b5a69788796a5b4c3d2e1f0.ZhipuFakeSecret1'
const PATH = '/api/paas/v4/chat/completions'

/** Non-streamed and streamed fixture for a request (the streams recorded all think first). */
function fixtureFor(body: Body): { json: string; chunks: string } {
  const last = body.messages?.at(-1)
  if (body.tools?.length && last?.role !== 'tool')
    return { json: 'zhipu-tool-call', chunks: 'zhipu-thinking-tool-call' }
  if (body.thinking?.type === 'enabled') return { json: 'zhipu-thinking', chunks: 'zhipu-thinking' }
  return { json: 'zhipu-text', chunks: 'zhipu-thinking' }
}

function answerZhipu({ method, path, headers, body }: UpstreamRequest, reply: Reply) {
  if (method !== 'POST' || path !== PATH) return reply.json(404, { error: 'Not Found' })
  if (headers.authorization !== `Bearer ${KEY}`) return reply.json(401, loadJson('zhipu', 'zhipu-error-auth'))
  if (body.model === 'glm-limited') return reply.json(429, loadJson('zhipu', 'zhipu-error-rate-limit'))
  const { json, chunks } = fixtureFor(body)
  replyRecorded(reply, 'zhipu', body, json, chunks)
}

const env = compatSuite(answerZhipu, 'zhipu', {
  memory: { zp: ['/api/paas/v4', KEY], zpbad: ['/api/paas/v4', 'wrong.ZhipuWrongSecret9'] },
})

const hi = [user('Say hi')]

describe('openai SDK → zhipu credential (pass-through)', () => {
  it('chat: text, usage with cached tokens; request_id kept in the body', async () => {
    const res = await env.openai.chat.completions.create({ model: 'zp/glm-4.6', messages: hi })
    expect(res.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'Hello, world!' } })
    expect(res).toMatchObject({ request_id: '20251103162614c7d2a9e4b1f6083d' })
    expect(res.usage).toMatchObject({ prompt_tokens: 81, prompt_tokens_details: { cached_tokens: 64 } })
    expect(env.expectUpstreamAuth(PATH, KEY).body).toMatchObject({ model: 'glm-4.6' })
    env.expectMetered({ inputTokens: 81, outputTokens: 9, cachedReadTokens: 64 })
  })

  it('chat: text before a tool call, both kept', async () => {
    const res = await env.openai.chat.completions.create({
      model: 'zp/glm-5.2',
      messages: [PARIS],
      tools: [WEATHER_TOOL],
    })
    expect(res.choices[0]!.message.content).toBe("I'll check the weather in Paris.")
    const call = expectWeatherCall(res.choices[0], 'call_-8152364790214431077')
    expect(call).toMatchObject({ type: 'function' })
  })

  it('stream: reasoning and text deltas pass through; usage on the finish chunk', async () => {
    const { text, finish, usage, chunks } = await env.streamChat({
      model: 'zp/glm-4.6',
      messages: hi,
      stream_options: { include_usage: true },
    })
    expect({ text, reasoning: joinDeltas(chunks, 'reasoning_content'), finish }).toEqual({
      text: 'Hello, world!',
      reasoning: '\nThe user greets me; answer briefly.',
      finish: 'stop',
    })
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 9 })
    env.expectMetered({ inputTokens: 9, cachedReadTokens: 7 }, { stream: true })
  })

  it('stream: the whole tool call in one delta is assembled by the SDK helper', async () => {
    await env.expectStreamedWeatherCall('zp/glm-5', 'call_5c8e1a3f7b9d4e2a8c6f0b1d')
    expect(env.lastEvent()).toMatchObject({
      usage: { inputTokens: 10984, outputTokens: 60, cachedReadTokens: 10560 },
    })
  })

  it('errors: 429 code 1302; a refused key → 401 naming the credential', async () => {
    const [, denied] = await env.expectChatErrors([
      ['zp/glm-limited', 429, '并发数过高'],
      ['zpbad/glm-4.6', 401, 'zpbad'],
    ])
    expectNoSecrets([denied!], 'ZhipuWrongSecret')
  })
})

describe('anthropic SDK → zhipu credential (translated, quirks applied)', () => {
  it('text: content, usage with cache read split out of input', async () => {
    const msg = await env.anthropic.messages.create({ model: 'zp/glm-4.6', max_tokens: 100, messages: hi })
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello, world!' }])
    expect(msg.usage).toMatchObject({ input_tokens: 17, cache_read_input_tokens: 64, output_tokens: 9 })
    expect(env.lastUpstream().body).toEqual({ model: 'glm-4.6', max_tokens: 100, messages: hi })
  })

  it('thinking on, tool_choice any dropped with a warning, json_schema sent as json_object', async () => {
    const { data: msg, response } = await env.anthropic.messages
      .create({
        model: 'zp/glm-5.1',
        max_tokens: 4096,
        thinking: { type: 'enabled', budget_tokens: 2048 },
        tools: [ANTHROPIC_WEATHER_TOOL],
        tool_choice: { type: 'any' },
        messages: withToolResult(
          PARIS,
          [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } }],
          'call_1',
        ),
        // @ts-expect-error output_config is newer than this SDK's types; the SDK sends it as is.
        output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
      })
      .withResponse()
    const up = env.lastUpstream().body
    expect(up).toMatchObject({ thinking: { type: 'enabled' }, response_format: { type: 'json_object' } })
    expect(up).not.toHaveProperty('tool_choice')
    expect(up).not.toHaveProperty('reasoning_effort')
    expect(response.headers.get('x-latchkey-warning')).toMatch(/tool_choice.*auto.*json_object/)
    expect(msg.content).toEqual([
      expect.objectContaining({
        type: 'thinking',
        thinking: expect.stringContaining('Identify the question'),
      }),
      expect.objectContaining({ type: 'text', text: '2 + 2 = 4' }),
    ])
  })

  it('stream: thinking block then a tool_use block; tool_use stop; usage', async () => {
    const msg = await env.streamMessagesWeather('zp/glm-5', {
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
    })
    expect(env.lastUpstream().body).toMatchObject({ stream: true, thinking: { type: 'enabled' } })
    expectThinkingThenWeather(msg, 'The user wants the weather in Paris.', 'call_5c8e1a3f7b9d4e2a8c6f0b1d')
    expect(msg.usage).toMatchObject({ input_tokens: 424, cache_read_input_tokens: 10560, output_tokens: 60 })
  })

  it('stream: text', async () => {
    const msg = await env.streamMessage({ model: 'zp/glm-4.6', max_tokens: 100, messages: hi })
    expect(msg.content.find((b) => b.type === 'text')).toMatchObject({ text: 'Hello, world!' })
    expect(msg.stop_reason).toBe('end_turn')
  })

  it('429 in Anthropic shape', async () => {
    await env.expectMessagesErrors([['zp/glm-limited', 429, 'rate_limit_error']])
  })
})
