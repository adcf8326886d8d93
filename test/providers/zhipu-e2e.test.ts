/**
 * A `zhipu` credential (BigModel / Z.AI GLM) end to end: the official `openai` and
 * `@anthropic-ai/sdk` clients call the running gateway, which calls a small local fake of
 * `/api/paas/v4/chat/completions` serving the recorded fixtures (src/providers/zhipu/__fixtures__):
 * `thinking: {type: "enabled"}` gets the thinking fixtures, a request with tools the tool-call ones.
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
  if (body.stream !== true) return reply.json(200, loadJson('zhipu', json))
  reply.sse(loadChunks('zhipu', chunks))
}

const WEATHER = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
}
const TOOL = {
  name: 'get_weather',
  input_schema: {
    type: 'object' as const,
    properties: { location: { type: 'string' } },
    required: ['location'],
  },
}

let env: CompatE2E
beforeAll(async () => {
  env = await compatE2E(answerZhipu, {
    creds: (url) => [
      credential('zp', `${url}/api/paas/v4`, { provider: 'zhipu', apiKey: KEY }),
      credential('zpbad', `${url}/api/paas/v4`, {
        provider: 'zhipu',
        apiKey: 'wrong.ZhipuWrongSecret9',
      }),
    ],
  })
})
afterAll(() => env?.close())
beforeEach(() => {
  env.upstream.requests.length = 0
})

describe('openai SDK → zhipu credential (pass-through)', () => {
  it('chat: text, usage with cached tokens; request_id kept in the body', async () => {
    const res = await env.openai.chat.completions.create({
      model: 'zp/glm-4.6',
      messages: [{ role: 'user', content: 'Say hi' }],
    })
    expect(res.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'Hello, world!' } })
    expect(res).toMatchObject({ request_id: '20251103162614c7d2a9e4b1f6083d' })
    expect(res.usage).toMatchObject({ prompt_tokens: 81, prompt_tokens_details: { cached_tokens: 64 } })
    expect(env.lastUpstream()).toMatchObject({
      path: PATH,
      headers: { authorization: `Bearer ${KEY}` },
      body: { model: 'glm-4.6' },
    })
    expect(env.lastEvent()).toMatchObject({
      status: 'ok',
      usage: { inputTokens: 81, outputTokens: 9, cachedReadTokens: 64 },
    })
  })

  it('chat: text before a tool call, both kept', async () => {
    const res = await env.openai.chat.completions.create({
      model: 'zp/glm-5.2',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [WEATHER],
    })
    const call = res.choices[0]!.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall
    expect(res.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: { content: "I'll check the weather in Paris." },
    })
    expect(call).toMatchObject({ id: 'call_-8152364790214431077', type: 'function' })
    expect(JSON.parse(call.function.arguments)).toEqual({ location: 'Paris' })
  })

  it('stream: reasoning and text deltas pass through; usage on the finish chunk', async () => {
    const stream = await env.openai.chat.completions.create({
      model: 'zp/glm-4.6',
      messages: [{ role: 'user', content: 'Say hi' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    const { text, finish, usage, chunks } = await readChatStream(stream)
    const reasoning = chunks
      .map(
        (c) => (c.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '',
      )
      .join('')
    expect({ text, reasoning, finish }).toEqual({
      text: 'Hello, world!',
      reasoning: '\nThe user greets me; answer briefly.',
      finish: 'stop',
    })
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 9 })
    expect(env.lastEvent()).toMatchObject({
      status: 'ok',
      stream: true,
      usage: { inputTokens: 9, cachedReadTokens: 7 },
    })
  })

  it('stream: the whole tool call in one delta is assembled by the SDK helper', async () => {
    const final = await env.openai.chat.completions
      .stream({
        model: 'zp/glm-5',
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [WEATHER],
      })
      .finalChatCompletion()
    const call = final.choices[0]!.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall
    expect(final.choices[0]!.finish_reason).toBe('tool_calls')
    expect(call).toMatchObject({ id: 'call_5c8e1a3f7b9d4e2a8c6f0b1d', function: { name: 'get_weather' } })
    expect(JSON.parse(call.function.arguments)).toEqual({ location: 'Paris' })
    expect(env.lastEvent()).toMatchObject({
      usage: { inputTokens: 10984, outputTokens: 60, cachedReadTokens: 10560 },
    })
  })

  it('errors: 429 code 1302; a refused key → 401 naming the credential', async () => {
    const fail = (model: string) =>
      rejection(env.openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }))
    const limited = await fail('zp/glm-limited')
    expect(limited.status).toBe(429)
    expect(limited.message).toContain('并发数过高')
    const denied = await fail('zpbad/glm-4.6')
    expect(denied.status).toBe(401)
    expect(denied.message).toContain('zpbad')
    expect(JSON.stringify(denied.error)).not.toContain('ZhipuWrongSecret')
  })
})

describe('anthropic SDK → zhipu credential (translated, quirks applied)', () => {
  it('text: content, usage with cache read split out of input', async () => {
    const msg = await env.anthropic.messages.create({
      model: 'zp/glm-4.6',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Say hi' }],
    })
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello, world!' }])
    expect(msg.usage).toMatchObject({ input_tokens: 17, cache_read_input_tokens: 64, output_tokens: 9 })
    expect(env.lastUpstream().body).toEqual({
      model: 'glm-4.6',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Say hi' }],
    })
  })

  it('thinking on, tool_choice any dropped with a warning, json_schema sent as json_object', async () => {
    const { data: msg, response } = await env.anthropic.messages
      .create({
        model: 'zp/glm-5.1',
        max_tokens: 4096,
        thinking: { type: 'enabled', budget_tokens: 2048 },
        tools: [TOOL],
        tool_choice: { type: 'any' },
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          {
            role: 'assistant',
            content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } }],
          },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '18C' }] },
        ],
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
    const msg = await env.anthropic.messages
      .stream({
        model: 'zp/glm-5',
        max_tokens: 4096,
        thinking: { type: 'enabled', budget_tokens: 2048 },
        tools: [TOOL],
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
      })
      .finalMessage()
    expect(env.lastUpstream().body).toMatchObject({ stream: true, thinking: { type: 'enabled' } })
    expect(msg.stop_reason).toBe('tool_use')
    expect(msg.content).toEqual([
      expect.objectContaining({ type: 'thinking', thinking: 'The user wants the weather in Paris.' }),
      {
        type: 'tool_use',
        id: 'call_5c8e1a3f7b9d4e2a8c6f0b1d',
        name: 'get_weather',
        input: { location: 'Paris' },
      },
    ])
    expect(msg.usage).toMatchObject({ input_tokens: 424, cache_read_input_tokens: 10560, output_tokens: 60 })
  })

  it('stream: text', async () => {
    const msg = await env.anthropic.messages
      .stream({ model: 'zp/glm-4.6', max_tokens: 100, messages: [{ role: 'user', content: 'Say hi' }] })
      .finalMessage()
    expect(msg.content.find((b) => b.type === 'text')).toMatchObject({ text: 'Hello, world!' })
    expect(msg.stop_reason).toBe('end_turn')
  })

  it('429 in Anthropic shape', async () => {
    const err = await rejection<AnthropicAPIError>(
      env.anthropic.messages.create({
        model: 'zp/glm-limited',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
      }),
    )
    expect(err?.status).toBe(429)
    expect(err?.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })
  })
})
