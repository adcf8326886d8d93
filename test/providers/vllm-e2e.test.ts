/**
 * vLLM end to end through the running server: credentials created with the vault API point at a
 * small fake `vllm serve` (node:http on 127.0.0.1) answering /v1/chat/completions with the
 * recorded-shape fixtures of src/providers/vllm/__fixtures__. One server runs without a key
 * (vLLM's default), one mounted under /secure behaves as with `--api-key` (Bearer required,
 * `{"error":"Unauthorized"}` otherwise); both check the served model names. The official `openai`
 * SDK (pass-through) and `@anthropic-ai/sdk` (translated with the vllm quirks: `reasoning` ⇄
 * reasoning_content, `top_k` kept) call it.
 */
import type OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type AnthropicAPIError,
  type CompatE2E,
  compatE2E,
  type Reply,
  readChatStream,
  rejection,
  streamChunks,
  type UpstreamRequest,
} from './compat-e2e-helpers.js'
import { loadJson } from './fixture-helpers.js'

const VLLM_KEY = 'vllm-e2e-serve-key-0123456789abcdef'
const WRONG_KEY = 'vllm-e2e-wrong-key-9876543210zyxwvu'
const SERVED = ['Qwen/Qwen3-8B', 'meta-llama/Llama-3.1-8B-Instruct', 'queue-full']

const fixture = (name: string) => loadJson('vllm', name)

function answerVllm({ method, path, headers, body }: UpstreamRequest, reply: Reply) {
  if (method !== 'POST' || !/^(\/secure)?\/v1\/chat\/completions$/.test(path))
    return reply.json(404, { detail: 'Not Found' })
  if (path.startsWith('/secure') && headers.authorization !== `Bearer ${VLLM_KEY}`)
    return reply.json(401, fixture('vllm-error-401'))
  if (!SERVED.includes(String(body.model))) return reply.json(404, fixture('vllm-error-404-model'))
  if (body.model === 'queue-full') return reply.json(503, fixture('vllm-error-503-queue-full'))
  if ((body.max_completion_tokens ?? body.max_tokens ?? 0) >= 4000)
    return reply.json(400, fixture('vllm-error-400-context-length-legacy'))
  const messages = body.messages as Record<string, unknown>[]
  const toolTurn = Array.isArray(body.tools) && messages.at(-1)?.role === 'user'
  if (body.stream)
    return reply.sse(streamChunks('vllm', toolTurn ? 'vllm-qwen3-tool-call' : 'vllm-text', body))
  reply.json(200, fixture(toolTurn ? 'vllm-tool-call' : 'vllm-text'))
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
const views: Record<string, { statusCode: number; body: string; json(): unknown }> = {}

beforeAll(async () => {
  env = await compatE2E(answerVllm)
  const url = env.upstream.url
  views.open = await env.postCredential({
    name: 'vllm',
    provider: 'vllm',
    baseUrl: `${url}/v1`,
    scope: 'org',
  })
  views.keyed = await env.postCredential({
    name: 'vllm-key',
    provider: 'vllm',
    apiKey: VLLM_KEY,
    baseUrl: `${url}/secure/v1`,
    scope: 'org',
  })
  views.wrong = await env.postCredential({
    name: 'vllm-wrong',
    provider: 'vllm',
    apiKey: WRONG_KEY,
    baseUrl: `${url}/secure/v1`,
    scope: 'org',
  })
})
afterAll(() => env?.close())

describe('vllm e2e: credentials', () => {
  it('the credential API takes vLLM credentials with and without a key; no key comes back', () => {
    for (const v of Object.values(views)) expect(v.statusCode, v.body).toBe(201)
    expect(views.open!.json()).toMatchObject({ provider: 'vllm', category: 'local', last4: null })
    expect(views.keyed!.body).not.toContain(VLLM_KEY)
    // 127.0.0.1 is reachable because LATCHKEY_EGRESS defaults to `open`.
    expect(env.config.egress).toBe('open')
  })
})

describe('vllm e2e: openai SDK (pass-through)', () => {
  it('text: no Authorization for a key-less credential, the token never leaks; top_k passed as sent', async () => {
    const res = await env.openai.chat.completions.create({
      model: 'vllm/meta-llama/Llama-3.1-8B-Instruct',
      messages: [{ role: 'user', content: 'Hello' }],
      top_k: 20,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming)
    expect(res.id).toBe('chatcmpl-3b8f4c2a9d1e4f6a8b7c5d3e2f1a0b9c')
    expect(res.choices[0]).toMatchObject({
      message: { content: 'Hello! How can I help you today?' },
      finish_reason: 'stop',
    })
    expect((res.choices[0] as unknown as Record<string, unknown>).stop_reason).toBeNull()
    const up = env.lastUpstream()
    expect(up.path).toBe('/v1/chat/completions')
    expect(up.headers).not.toHaveProperty('authorization')
    expect(JSON.stringify(up.headers)).not.toContain(env.tokens.member)
    expect(up.body).toEqual({
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      messages: [{ role: 'user', content: 'Hello' }],
      top_k: 20,
    })
    expect(env.lastEvent()).toMatchObject({ status: 'ok', usage: { inputTokens: 42, outputTokens: 10 } })
  })

  it('stream: role chunk, deltas, empty finishing delta; usage chunk only when asked', async () => {
    const stream = await env.openai.chat.completions.create({
      model: 'vllm/meta-llama/Llama-3.1-8B-Instruct',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    const { text, finish, usage } = await readChatStream(stream)
    expect(text).toBe('Hello! How can I help you today?')
    expect(finish).toBe('stop')
    expect(usage).toMatchObject({ prompt_tokens: 42, completion_tokens: 10 })
    const quiet = await env.openai.chat.completions.create({
      model: 'vllm/meta-llama/Llama-3.1-8B-Instruct',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
    })
    const { chunks } = await readChatStream(quiet)
    expect(chunks.every((c) => c.choices.length > 0 && !c.usage)).toBe(true)
    // The gateway asked for usage anyway, and metered it.
    expect(env.lastUpstream().body.stream_options).toEqual({ include_usage: true })
    expect(env.lastEvent()).toMatchObject({
      status: 'ok',
      stream: true,
      usage: { inputTokens: 42, outputTokens: 10 },
    })
  })

  it('tool call round trip: vLLM ids, raw `reasoning` reaches OpenAI clients, cached tokens metered', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const first = await env.openai.chat.completions.create({
      model: 'vllm/Qwen/Qwen3-8B',
      messages,
      tools: [TOOL],
    })
    const choice = first.choices[0]!
    expect(choice.finish_reason).toBe('tool_calls')
    const call = choice.message.tool_calls?.[0]
    if (call?.type !== 'function') throw new Error('no call')
    expect(call.id).toBe('chatcmpl-tool-4f6b2d8e0a1c4e3f9b7d5a2c8e6f0b1d')
    expect(JSON.parse(call.function.arguments)).toEqual({ location: 'Paris' })
    expect((choice.message as unknown as Record<string, string>).reasoning).toMatch(/^The user wants/)
    expect(env.lastEvent().usage).toMatchObject({ inputTokens: 186, cachedReadTokens: 160 })
    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temp":18}' })
    const second = await env.openai.chat.completions.create({ model: 'vllm/Qwen/Qwen3-8B', messages })
    expect(second.choices[0]?.message.content).toBe('Hello! How can I help you today?')
    expect(env.lastUpstream().body.messages.at(-1)).toEqual({
      role: 'tool',
      tool_call_id: 'chatcmpl-tool-4f6b2d8e0a1c4e3f9b7d5a2c8e6f0b1d',
      content: '{"temp":18}',
    })
  })

  it('streamed tool call: id and name first, argument fragments assembled by the SDK', async () => {
    const final = await env.openai.chat.completions
      .stream({
        model: 'vllm/Qwen/Qwen3-8B',
        messages: [{ role: 'user', content: 'Weather?' }],
        tools: [TOOL],
      })
      .finalChatCompletion()
    const call = final.choices[0]?.message.tool_calls?.[0]
    if (call?.type !== 'function') throw new Error('no call')
    expect(call).toMatchObject({
      id: 'chatcmpl-tool-8a3c5e7b9d1f4a6c8e2b4d6f0a1c3e5b',
      function: { name: 'get_weather' },
    })
    expect(JSON.parse(call.function.arguments)).toEqual({ location: 'Paris' })
    expect(final.choices[0]?.finish_reason).toBe('tool_calls')
    expect(env.lastEvent()).toMatchObject({ status: 'ok', usage: { inputTokens: 186, outputTokens: 52 } })
  })

  it('errors: unknown model 404, context 400 (legacy body), full queue 503', async () => {
    const fail = (model: string, extra: Record<string, unknown> = {}) =>
      rejection(
        env.openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], ...extra }),
      )
    const missing = await fail('vllm/Qwen/Qwen3-32B')
    expect([missing.status, missing.message]).toEqual([
      404,
      expect.stringContaining('The model `Qwen/Qwen3-32B` does not exist.'),
    ])
    const long = await fail('vllm/meta-llama/Llama-3.1-8B-Instruct', { max_tokens: 4000 })
    expect([long.status, long.message]).toEqual([
      400,
      expect.stringContaining("This model's maximum context length is 4096 tokens"),
    ])
    const busy = await fail('vllm/queue-full')
    expect(busy.status).toBe(503)
    expect(busy.message).toContain('vllm (credential vllm)')
  })

  it('a credential with the --api-key sends it as Bearer; a wrong one → 401 naming it, never the key', async () => {
    const res = await env.openai.chat.completions.create({
      model: 'vllm-key/meta-llama/Llama-3.1-8B-Instruct',
      messages: [{ role: 'user', content: 'Hello' }],
    })
    expect(res.choices[0]?.message.content).toBe('Hello! How can I help you today?')
    expect(env.lastUpstream()).toMatchObject({
      path: '/secure/v1/chat/completions',
      headers: { authorization: `Bearer ${VLLM_KEY}` },
    })
    expect(JSON.stringify(res)).not.toContain(VLLM_KEY)
    const denied = await rejection(
      env.openai.chat.completions.create({
        model: 'vllm-wrong/meta-llama/Llama-3.1-8B-Instruct',
        messages: [{ role: 'user', content: 'x' }],
      }),
    )
    expect(denied.status).toBe(401)
    expect(denied.message).toContain('vllm (credential vllm-wrong): Unauthorized')
    expect(JSON.stringify(denied.error)).not.toContain(WRONG_KEY)
    expect(env.lastUpstream().headers.authorization).toBe(`Bearer ${WRONG_KEY}`)
  })
})

describe('vllm e2e: anthropic SDK (translated)', () => {
  it('text: top_k kept for vLLM (no warning), no Authorization for the key-less server', async () => {
    const { data: msg, response } = await env.anthropic.messages
      .create({
        model: 'vllm/meta-llama/Llama-3.1-8B-Instruct',
        max_tokens: 100,
        top_k: 20,
        messages: [{ role: 'user', content: 'Hello' }],
      })
      .withResponse()
    expect(msg.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'Hello! How can I help you today?' }),
    ])
    expect(msg.stop_reason).toBe('end_turn')
    expect(msg.usage).toMatchObject({ input_tokens: 42, output_tokens: 10 })
    expect(response.headers.get('x-latchkey-warning')).toBeNull()
    const up = env.lastUpstream()
    expect(up.body).toMatchObject({ model: 'meta-llama/Llama-3.1-8B-Instruct', max_tokens: 100, top_k: 20 })
    expect(up.headers).not.toHaveProperty('authorization')
  })

  it('thinking from `reasoning`, tool_use, and the replayed thinking goes back as `reasoning`', async () => {
    const ask = { role: 'user' as const, content: 'Weather in Paris?' }
    const first = await env.anthropic.messages.create({
      model: 'vllm/Qwen/Qwen3-8B',
      max_tokens: 1024,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      tools: [ANTHROPIC_TOOL],
      messages: [ask],
    })
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'tool_use'])
    expect(first.content[0]).toMatchObject({ thinking: expect.stringMatching(/^The user wants the current/) })
    expect(first.usage).toMatchObject({ input_tokens: 26, cache_read_input_tokens: 160, output_tokens: 47 })
    // The thinking budget became an effort vLLM accepts; the budget itself is not sent.
    expect(env.lastUpstream().body).toMatchObject({ reasoning_effort: 'medium' })
    expect(env.lastUpstream().body).not.toHaveProperty('thinking_budget')
    const use = first.content[1]
    if (use?.type !== 'tool_use') throw new Error('no tool_use')
    const second = await env.anthropic.messages.create({
      model: 'vllm/Qwen/Qwen3-8B',
      max_tokens: 1024,
      tools: [ANTHROPIC_TOOL],
      messages: [
        ask,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18C' }] },
      ],
    })
    expect(second.stop_reason).toBe('end_turn')
    const replayed = env.lastUpstream().body.messages[1]
    expect(replayed).toMatchObject({
      role: 'assistant',
      reasoning: expect.stringMatching(/^The user wants the current/),
      tool_calls: [
        { id: 'chatcmpl-tool-4f6b2d8e0a1c4e3f9b7d5a2c8e6f0b1d', function: { name: 'get_weather' } },
      ],
    })
    expect(replayed).not.toHaveProperty('reasoning_content')
  })

  it('streams: thinking deltas then tool_use from fragments; text with usage', async () => {
    const tool = await env.anthropic.messages
      .stream({
        model: 'vllm/Qwen/Qwen3-8B',
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
      expect.objectContaining({
        type: 'tool_use',
        id: 'chatcmpl-tool-8a3c5e7b9d1f4a6c8e2b4d6f0a1c3e5b',
        input: { location: 'Paris' },
      }),
    ])
    expect(tool.stop_reason).toBe('tool_use')
    expect(tool.usage).toMatchObject({ input_tokens: 186, output_tokens: 52 })
    const text = await env.anthropic.messages
      .stream({
        model: 'vllm-key/meta-llama/Llama-3.1-8B-Instruct',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'Hello' }],
      })
      .finalMessage()
    expect(text.content).toEqual([expect.objectContaining({ text: 'Hello! How can I help you today?' })])
    expect(text.usage).toMatchObject({ output_tokens: 10 })
    expect(env.lastUpstream().headers.authorization).toBe(`Bearer ${VLLM_KEY}`)
    expect(env.lastEvent()).toMatchObject({ status: 'ok', stream: true, endpoint: 'messages' })
  })

  it('errors in Anthropic shape: 404 not_found_error, 503 overloaded_error, 401 without the key', async () => {
    const fail = (model: string) =>
      rejection<AnthropicAPIError>(
        env.anthropic.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      )
    const missing = await fail('vllm/Qwen/Qwen3-32B')
    expect(missing.status).toBe(404)
    expect(missing.error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } })
    const busy = await fail('vllm/queue-full')
    expect(busy.status).toBe(503)
    expect(busy.error).toMatchObject({ error: { type: 'overloaded_error' } })
    const denied = await fail('vllm-wrong/meta-llama/Llama-3.1-8B-Instruct')
    expect(denied).toMatchObject({ status: 401, error: { error: { type: 'authentication_error' } } })
    expect(JSON.stringify(denied.error)).toContain('vllm-wrong')
    expect(JSON.stringify(denied.error)).not.toContain(WRONG_KEY)
  })
})
