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
import { describe, expect, it } from 'vitest'
import {
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

const HELLO = 'Hello! How can I help you today?'
const LLAMA = 'meta-llama/Llama-3.1-8B-Instruct'

const env = compatSuite(answerVllm, 'vllm', {
  api: { vllm: ['/v1'], 'vllm-key': ['/secure/v1', VLLM_KEY], 'vllm-wrong': ['/secure/v1', WRONG_KEY] },
})

describe('vllm e2e: credentials', () => {
  it('the credential API takes vLLM credentials with and without a key; no key comes back', () => {
    env.expectStoredCredentials({ provider: 'vllm', category: 'local' })
  })
})

describe('vllm e2e: openai SDK (pass-through)', () => {
  it('text: no Authorization for a key-less credential, the token never leaks; top_k passed as sent', async () => {
    const res = await env.openai.chat.completions.create({
      model: `vllm/${LLAMA}`,
      messages: [user('Hello')],
      top_k: 20,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming)
    expect(res.id).toBe('chatcmpl-3b8f4c2a9d1e4f6a8b7c5d3e2f1a0b9c')
    expect(res.choices[0]).toMatchObject({ message: { content: HELLO }, finish_reason: 'stop' })
    expect((res.choices[0] as unknown as Record<string, unknown>).stop_reason).toBeNull()
    const up = env.expectUpstreamAuth('/v1/chat/completions')
    expect(up.body).toEqual({ model: LLAMA, messages: [user('Hello')], top_k: 20 })
    env.expectMetered({ inputTokens: 42, outputTokens: 10 })
  })

  it('stream: role chunk, deltas, empty finishing delta; usage chunk only when asked', async () => {
    const req = { model: `vllm/${LLAMA}`, messages: [user('Hello')] }
    const { text, finish, usage } = await env.streamChat({ ...req, stream_options: { include_usage: true } })
    expect({ text, finish }).toEqual({ text: HELLO, finish: 'stop' })
    expect(usage).toMatchObject({ prompt_tokens: 42, completion_tokens: 10 })
    const { chunks } = await env.streamChat(req)
    expect(chunks.every((c) => c.choices.length > 0 && !c.usage)).toBe(true)
    // The gateway asked for usage anyway, and metered it.
    expect(env.lastUpstream().body.stream_options).toEqual({ include_usage: true })
    env.expectMetered({ inputTokens: 42, outputTokens: 10 }, { stream: true })
  })

  it('tool call round trip: vLLM ids, raw `reasoning` reaches OpenAI clients, cached tokens metered', async () => {
    const id = 'chatcmpl-tool-4f6b2d8e0a1c4e3f9b7d5a2c8e6f0b1d'
    const { choice, second } = await env.chatToolRoundTrip('vllm/Qwen/Qwen3-8B', id)
    expect((choice.message as unknown as Record<string, string>).reasoning).toMatch(/^The user wants/)
    expect(env.events().at(-2)?.usage).toMatchObject({ inputTokens: 186, cachedReadTokens: 160 })
    expect(second.choices[0]?.message.content).toBe(HELLO)
    expect(env.lastUpstream().body.messages.at(-1)).toEqual({
      role: 'tool',
      tool_call_id: id,
      content: '{"temp":18}',
    })
  })

  it('streamed tool call: id and name first, argument fragments assembled by the SDK', async () => {
    await env.expectStreamedWeatherCall(
      'vllm/Qwen/Qwen3-8B',
      'chatcmpl-tool-8a3c5e7b9d1f4a6c8e2b4d6f0a1c3e5b',
      [user('Weather?')],
    )
    env.expectMetered({ inputTokens: 186, outputTokens: 52 })
  })

  it('errors: unknown model 404, context 400 (legacy body), full queue 503', async () => {
    await env.expectChatErrors([
      ['vllm/Qwen/Qwen3-32B', 404, 'The model `Qwen/Qwen3-32B` does not exist.'],
      [`vllm/${LLAMA}`, 400, "This model's maximum context length is 4096 tokens", { max_tokens: 4000 }],
      ['vllm/queue-full', 503, 'vllm (credential vllm)'],
    ])
  })

  it('a credential with the --api-key sends it as Bearer; a wrong one → 401 naming it, never the key', async () => {
    const res = await env.openai.chat.completions.create({
      model: `vllm-key/${LLAMA}`,
      messages: [user('Hello')],
    })
    expect(res.choices[0]?.message.content).toBe(HELLO)
    env.expectUpstreamAuth('/secure/v1/chat/completions', VLLM_KEY)
    expect(JSON.stringify(res)).not.toContain(VLLM_KEY)
    const denied = await env.failChat(`vllm-wrong/${LLAMA}`)
    expect(denied.status).toBe(401)
    expect(denied.message).toContain('vllm (credential vllm-wrong): Unauthorized')
    expectNoSecrets([denied], WRONG_KEY, VLLM_KEY)
    expect(env.lastUpstream().headers.authorization).toBe(`Bearer ${WRONG_KEY}`)
  })
})

describe('vllm e2e: anthropic SDK (translated)', () => {
  it('text: top_k kept for vLLM (no warning), no Authorization for the key-less server', async () => {
    const { data: msg, response } = await env.anthropic.messages
      .create({ model: `vllm/${LLAMA}`, max_tokens: 100, top_k: 20, messages: [user('Hello')] })
      .withResponse()
    expect(msg.content).toEqual([expect.objectContaining({ type: 'text', text: HELLO })])
    expect(msg.stop_reason).toBe('end_turn')
    expect(msg.usage).toMatchObject({ input_tokens: 42, output_tokens: 10 })
    expect(response.headers.get('x-latchkey-warning')).toBeNull()
    const up = env.expectUpstreamAuth('/v1/chat/completions')
    expect(up.body).toMatchObject({ model: LLAMA, max_tokens: 100, top_k: 20 })
  })

  it('thinking from `reasoning`, tool_use, and the replayed thinking goes back as `reasoning`', async () => {
    const req = { model: 'vllm/Qwen/Qwen3-8B', max_tokens: 1024, tools: [ANTHROPIC_WEATHER_TOOL] }
    const first = await env.anthropic.messages.create({
      ...req,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [PARIS],
    })
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'tool_use'])
    expect(first.content[0]).toMatchObject({ thinking: expect.stringMatching(/^The user wants the current/) })
    expect(first.usage).toMatchObject({ input_tokens: 26, cache_read_input_tokens: 160, output_tokens: 47 })
    // The thinking budget became an effort vLLM accepts; the budget itself is not sent.
    expect(env.lastUpstream().body).toMatchObject({ reasoning_effort: 'medium' })
    expect(env.lastUpstream().body).not.toHaveProperty('thinking_budget')
    const use = toolUseOf(first)
    const second = await env.anthropic.messages.create({
      ...req,
      messages: withToolResult(PARIS, first.content, use.id),
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
    const tool = await env.streamMessagesWeather('vllm/Qwen/Qwen3-8B')
    expectThinkingThenWeather(
      tool,
      'The user wants the weather in Paris. Call get_weather.',
      'chatcmpl-tool-8a3c5e7b9d1f4a6c8e2b4d6f0a1c3e5b',
    )
    expect(tool.usage).toMatchObject({ input_tokens: 186, output_tokens: 52 })
    const text = await env.streamMessage({
      model: `vllm-key/${LLAMA}`,
      max_tokens: 100,
      messages: [user('Hello')],
    })
    expect(text.content).toEqual([expect.objectContaining({ text: HELLO })])
    expect(text.usage).toMatchObject({ output_tokens: 10 })
    expect(env.lastUpstream().headers.authorization).toBe(`Bearer ${VLLM_KEY}`)
    expect(env.lastEvent()).toMatchObject({ status: 'ok', stream: true, endpoint: 'messages' })
  })

  it('errors in Anthropic shape: 404 not_found_error, 503 overloaded_error, 401 without the key', async () => {
    const [, , denied] = await env.expectMessagesErrors([
      ['vllm/Qwen/Qwen3-32B', 404, 'not_found_error'],
      ['vllm/queue-full', 503, 'overloaded_error'],
      [`vllm-wrong/${LLAMA}`, 401, 'authentication_error'],
    ])
    expect(JSON.stringify(denied!.error)).toContain('vllm-wrong')
    expectNoSecrets([denied!], WRONG_KEY)
  })
})
