/**
 * Ollama end to end through the running server: a key-less credential created with the vault API
 * points at a small fake Ollama (node:http on 127.0.0.1) that answers /v1/chat/completions with
 * the recorded-shape fixtures of src/providers/ollama/__fixtures__ and validates what Ollama
 * validates here (`reasoning_effort` ∈ high|medium|low|none; tools only for tool-capable models).
 * The official `openai` SDK (pass-through) and `@anthropic-ai/sdk` (translated with the ollama
 * quirks: `reasoning` ⇄ reasoning_content) call it. /v1/embeddings answers float arrays even when
 * base64 is asked for, as Ollama does (ollama/ollama#6934; ollama-embeddings.json: the shape of
 * Ollama's OpenAI-compatible EmbeddingList, values from its docs' example).
 */
import { describe, expect, it } from 'vitest'
import {
  compatSuite,
  expectThinkingThenWeather,
  PARIS,
  type Reply,
  streamChunks,
  type UpstreamRequest,
  user,
  withToolResult,
} from './compat-e2e-helpers.js'
import { loadJson } from './fixture-helpers.js'
import { ANTHROPIC_WEATHER_TOOL, WEATHER_TOOL } from './provider-env.js'

const fixture = (name: string) => loadJson('ollama', name)
const EFFORTS = ['high', 'medium', 'low', 'none']

function answerOllama({ method, path, body }: UpstreamRequest, reply: Reply) {
  // Ollama ignores encoding_format: float arrays whatever was asked (ollama/ollama#6934).
  if (method === 'POST' && path === '/v1/embeddings') return reply.json(200, fixture('ollama-embeddings'))
  if (method !== 'POST' || path !== '/v1/chat/completions') return reply.json(404, '404 page not found')
  const model = String(body.model)
  if (model === 'qwen2.5:7b') return reply.json(404, fixture('ollama-error-404-model'))
  if (model === 'busy') return reply.json(503, fixture('ollama-error-503-busy'))
  if (model.startsWith('gemma3') && Array.isArray(body.tools))
    return reply.json(400, fixture('ollama-error-400-no-tools'))
  const effort = body.reasoning_effort ?? body.reasoning?.effort
  if (effort !== undefined && !EFFORTS.includes(effort)) {
    return reply.json(400, {
      error: {
        message: `invalid reasoning value: '${effort}' (must be "high", "medium", "low", or "none")`,
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    })
  }
  const messages = body.messages as Record<string, unknown>[]
  const toolTurn = Array.isArray(body.tools) && messages.at(-1)?.role === 'user'
  // Under include_usage Ollama adds a copy of the last chunk with choices: [] and usage.
  if (body.stream)
    return reply.sse(streamChunks('ollama', toolTurn ? 'ollama-qwen3-think-tool-call' : 'ollama-text', body))
  reply.json(200, fixture(toolTurn ? 'ollama-qwen3-think-tool-call' : 'ollama-text'))
}

const HELLO = 'Hello! How can I help you today?'

const env = compatSuite(answerOllama, 'ollama', { api: { ollama: ['/v1/'] } })

describe('ollama e2e: credential', () => {
  it('the credential API takes an Ollama credential without a key; the base URL is required', async () => {
    const noUrl = await env.postCredential({ name: 'ollama-nourl', provider: 'ollama', scope: 'org' })
    expect(noUrl.statusCode).toBe(400)
    expect(noUrl.json()).toMatchObject({ error: { code: 'missing_base_url' } })
    // The trailing slash is dropped from the base URL.
    env.expectStoredCredentials({ provider: 'ollama', category: 'local' })
  })
})

describe('ollama e2e: embeddings', () => {
  const floats = (fixture('ollama-embeddings') as { data: { embedding: number[] }[] }).data.map(
    (d) => d.embedding,
  )
  it('the openai SDK (which asks for base64 and decodes it) gets full-width vectors, not a quarter', async () => {
    const res = await env.openai.embeddings.create({ model: 'ollama/all-minilm', input: ['hello', 'world'] })
    expect(env.lastUpstream().body).toMatchObject({ model: 'all-minilm', encoding_format: 'base64' })
    expect(res.data.map((d) => d.embedding.length)).toEqual([8, 8])
    for (const [i, d] of res.data.entries()) {
      for (const [j, v] of d.embedding.entries()) expect(v).toBeCloseTo(floats[i]![j]!, 6)
    }
    expect(res.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 })
    expect(env.lastEvent()).toMatchObject({ endpoint: 'embeddings', status: 'ok' })
  })
  it('asked for floats, the answer passes through as sent', async () => {
    const res = await env.openai.embeddings.create({
      model: 'ollama/all-minilm',
      input: 'hello',
      encoding_format: 'float',
    })
    expect(res.data.map((d) => d.embedding)).toEqual(floats)
  })
})

describe('ollama e2e: openai SDK (pass-through)', () => {
  it('text: content, finish, usage; no Authorization upstream and no Latchkey token', async () => {
    const res = await env.openai.chat.completions.create({
      model: 'ollama/llama3.2',
      messages: [user('Hello')],
    })
    expect(res.id).toBe('chatcmpl-271')
    expect(res.system_fingerprint).toBe('fp_ollama')
    expect(res.choices[0]).toMatchObject({ message: { content: HELLO }, finish_reason: 'stop' })
    expect(res.usage).toEqual({ prompt_tokens: 29, completion_tokens: 10, total_tokens: 39 })
    const up = env.expectUpstreamAuth('/v1/chat/completions')
    expect(up.body).toEqual({ model: 'llama3.2', messages: [user('Hello')] })
    env.expectMetered({ inputTokens: 29, outputTokens: 10 })
  })

  it('stream: deltas, finish, usage from the choices:[] chunk', async () => {
    const { text, finish, usage } = await env.streamChat({
      model: 'ollama/llama3.2',
      messages: [user('Hello')],
      stream_options: { include_usage: true },
    })
    expect({ text, finish }).toEqual({ text: HELLO, finish: 'stop' })
    expect(usage).toMatchObject({ prompt_tokens: 29, completion_tokens: 10 })
    env.expectMetered({ outputTokens: 10 }, { stream: true })
  })

  it('stream without include_usage: the gateway still meters, the client gets no usage chunk', async () => {
    const { chunks } = await env.streamChat({ model: 'ollama/llama3.2', messages: [user('Hello')] })
    expect(chunks.every((c) => c.choices.length > 0 && !c.usage)).toBe(true)
    expect(env.lastUpstream().body.stream_options).toEqual({ include_usage: true })
    env.expectMetered({ inputTokens: 29, outputTokens: 10 })
  })

  it('tool call: Ollama ids, raw `reasoning` passed to OpenAI clients, round trip', async () => {
    const { choice, second } = await env.chatToolRoundTrip('ollama/qwen3:8b', 'call_x7k2p9qe', {
      toolsAgain: true,
    })
    expect((choice.message as unknown as Record<string, string>).reasoning).toMatch(/^Okay, the user/)
    expect(second.choices[0]?.message.content).toBe(HELLO)
    expect(env.lastUpstream().body.messages.at(-1)).toEqual({
      role: 'tool',
      tool_call_id: 'call_x7k2p9qe',
      content: '{"temp":18}',
    })
  })

  it('streamed tool call arrives whole in one delta and assembles in the SDK', async () => {
    await env.expectStreamedWeatherCall('ollama/qwen3:8b', 'call_m4q8w1zt', [user('Weather?')])
    env.expectMetered({ inputTokens: 171, outputTokens: 61 })
  })

  it('errors: unpulled model 404, busy queue 503, tools on a model without tools 400', async () => {
    await env.expectChatErrors([
      ['ollama/qwen2.5:7b', 404, "model 'qwen2.5:7b' not found"],
      ['ollama/busy', 503, 'ollama (credential ollama)'],
      ['ollama/gemma3:4b', 400, 'does not support tools', { tools: [WEATHER_TOOL] }],
    ])
  })
})

describe('ollama e2e: anthropic SDK (translated)', () => {
  it('text: content, end_turn, usage', async () => {
    const msg = await env.anthropic.messages.create({
      model: 'ollama/llama3.2',
      max_tokens: 100,
      messages: [user('Hello')],
    })
    expect(msg.content).toEqual([expect.objectContaining({ type: 'text', text: HELLO })])
    expect(msg.stop_reason).toBe('end_turn')
    expect(msg.usage).toMatchObject({ input_tokens: 29, output_tokens: 10 })
    expect(env.lastUpstream().headers).not.toHaveProperty('authorization')
  })

  it('thinking from `reasoning`, tool_use, and the replayed thinking goes back as `reasoning`', async () => {
    const req = { model: 'ollama/qwen3:8b', max_tokens: 1024, tools: [ANTHROPIC_WEATHER_TOOL] }
    const first = await env.anthropic.messages.create({
      ...req,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [PARIS],
    })
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'tool_use'])
    expect(first.content[0]).toMatchObject({ thinking: expect.stringMatching(/^Okay, the user wants/) })
    expect(first.content[1]).toMatchObject({ id: 'call_x7k2p9qe', input: { location: 'Paris' } })
    expect(first.stop_reason).toBe('tool_use')
    // Anthropic's thinking budget became an effort Ollama accepts.
    expect(env.lastUpstream().body).toMatchObject({ reasoning_effort: 'medium' })
    expect(env.lastUpstream().body).not.toHaveProperty('thinking_budget')
    const second = await env.anthropic.messages.create({
      ...req,
      messages: withToolResult(PARIS, first.content, 'call_x7k2p9qe'),
    })
    expect(second.stop_reason).toBe('end_turn')
    const replayed = env.lastUpstream().body.messages[1]
    expect(replayed).toMatchObject({
      role: 'assistant',
      reasoning: expect.stringMatching(/^Okay, the user wants/),
      tool_calls: [{ id: 'call_x7k2p9qe', function: { name: 'get_weather' } }],
    })
    expect(replayed).not.toHaveProperty('reasoning_content')
  })

  it('streams: thinking deltas then a whole tool_use; text with usage', async () => {
    const tool = await env.streamMessagesWeather('ollama/qwen3:8b')
    expectThinkingThenWeather(
      tool,
      "Okay, the user wants the weather in Paris. I'll call get_weather.",
      'call_m4q8w1zt',
    )
    expect(tool.usage).toMatchObject({ input_tokens: 171, output_tokens: 61 })
    const text = await env.streamMessage({
      model: 'ollama/llama3.2',
      max_tokens: 100,
      messages: [user('Hello')],
    })
    expect(text.content).toEqual([expect.objectContaining({ text: HELLO })])
    expect(text.usage).toMatchObject({ output_tokens: 10 })
    expect(env.lastEvent()).toMatchObject({ status: 'ok', stream: true, endpoint: 'messages' })
  })

  it('errors in Anthropic shape: 404 not_found_error, 503 overloaded_error', async () => {
    await env.expectMessagesErrors([
      ['ollama/qwen2.5:7b', 404, 'not_found_error'],
      ['ollama/busy', 503, 'overloaded_error'],
    ])
  })
})
