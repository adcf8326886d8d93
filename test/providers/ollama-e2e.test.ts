/**
 * Ollama end to end through the running server: a key-less credential created with the vault API
 * points at a small fake Ollama (node:http on 127.0.0.1) that answers /v1/chat/completions with
 * the recorded-shape fixtures of src/providers/ollama/__fixtures__ and validates what Ollama
 * validates here (`reasoning_effort` ∈ high|medium|low|none; tools only for tool-capable models).
 * The official `openai` SDK (pass-through) and `@anthropic-ai/sdk` (translated with the ollama
 * quirks: `reasoning` ⇄ reasoning_content) call it.
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

const fixture = (name: string) => loadJson('ollama', name)
const EFFORTS = ['high', 'medium', 'low', 'none']

function answerOllama({ method, path, body }: UpstreamRequest, reply: Reply) {
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
let created: { statusCode: number; body: string; json(): unknown }

beforeAll(async () => {
  env = await compatE2E(answerOllama)
  created = await env.postCredential({
    name: 'ollama',
    provider: 'ollama',
    baseUrl: `${env.upstream.url}/v1/`,
    scope: 'org',
  })
})
afterAll(() => env?.close())

describe('ollama e2e: credential', () => {
  it('the credential API takes an Ollama credential without a key; the base URL is required', async () => {
    const noUrl = await env.postCredential({ name: 'ollama-nourl', provider: 'ollama', scope: 'org' })
    expect(noUrl.statusCode).toBe(400)
    expect(noUrl.json()).toMatchObject({ error: { code: 'missing_base_url' } })
    expect(created.statusCode, created.body).toBe(201)
    expect(created.json()).toMatchObject({
      provider: 'ollama',
      category: 'local',
      baseUrl: `${env.upstream.url}/v1`,
      last4: null,
    })
    // Loopback is reachable because the default egress mode is `open` (LATCHKEY_EGRESS unset).
    expect(env.config.egress).toBe('open')
  })
})

describe('ollama e2e: openai SDK (pass-through)', () => {
  it('text: content, finish, usage; no Authorization upstream and no Latchkey token', async () => {
    const res = await env.openai.chat.completions.create({
      model: 'ollama/llama3.2',
      messages: [{ role: 'user', content: 'Hello' }],
    })
    expect(res.id).toBe('chatcmpl-271')
    expect(res.system_fingerprint).toBe('fp_ollama')
    expect(res.choices[0]).toMatchObject({
      message: { content: 'Hello! How can I help you today?' },
      finish_reason: 'stop',
    })
    expect(res.usage).toEqual({ prompt_tokens: 29, completion_tokens: 10, total_tokens: 39 })
    const up = env.lastUpstream()
    expect(up.path).toBe('/v1/chat/completions')
    expect(up.headers).not.toHaveProperty('authorization')
    expect(JSON.stringify(up.headers)).not.toContain(env.tokens.member)
    expect(up.body).toEqual({ model: 'llama3.2', messages: [{ role: 'user', content: 'Hello' }] })
    expect(env.lastEvent()).toMatchObject({ status: 'ok', usage: { inputTokens: 29, outputTokens: 10 } })
  })

  it('stream: deltas, finish, usage from the choices:[] chunk', async () => {
    const stream = await env.openai.chat.completions.create({
      model: 'ollama/llama3.2',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    const { text, finish, usage } = await readChatStream(stream)
    expect(text).toBe('Hello! How can I help you today?')
    expect(finish).toBe('stop')
    expect(usage).toMatchObject({ prompt_tokens: 29, completion_tokens: 10 })
    expect(env.lastEvent()).toMatchObject({ status: 'ok', stream: true, usage: { outputTokens: 10 } })
  })

  it('stream without include_usage: the gateway still meters, the client gets no usage chunk', async () => {
    const stream = await env.openai.chat.completions.create({
      model: 'ollama/llama3.2',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
    })
    const chunks: OpenAI.ChatCompletionChunk[] = []
    for await (const c of stream) chunks.push(c)
    expect(chunks.every((c) => c.choices.length > 0 && !c.usage)).toBe(true)
    expect(env.lastUpstream().body.stream_options).toEqual({ include_usage: true })
    expect(env.lastEvent()).toMatchObject({ status: 'ok', usage: { inputTokens: 29, outputTokens: 10 } })
  })

  it('tool call: Ollama ids, raw `reasoning` passed to OpenAI clients, round trip', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const first = await env.openai.chat.completions.create({
      model: 'ollama/qwen3:8b',
      messages,
      tools: [TOOL],
    })
    const choice = first.choices[0]!
    expect(choice.finish_reason).toBe('tool_calls')
    const call = choice.message.tool_calls?.[0]
    if (call?.type !== 'function') throw new Error('no call')
    expect(call.id).toBe('call_x7k2p9qe')
    expect(JSON.parse(call.function.arguments)).toEqual({ location: 'Paris' })
    expect((choice.message as unknown as Record<string, string>).reasoning).toMatch(/^Okay, the user/)
    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temp":18}' })
    const second = await env.openai.chat.completions.create({
      model: 'ollama/qwen3:8b',
      messages,
      tools: [TOOL],
    })
    expect(second.choices[0]?.message.content).toBe('Hello! How can I help you today?')
    expect(env.lastUpstream().body.messages.at(-1)).toEqual({
      role: 'tool',
      tool_call_id: 'call_x7k2p9qe',
      content: '{"temp":18}',
    })
  })

  it('streamed tool call arrives whole in one delta and assembles in the SDK', async () => {
    const final = await env.openai.chat.completions
      .stream({ model: 'ollama/qwen3:8b', messages: [{ role: 'user', content: 'Weather?' }], tools: [TOOL] })
      .finalChatCompletion()
    const call = final.choices[0]?.message.tool_calls?.[0]
    if (call?.type !== 'function') throw new Error('no call')
    expect(call).toMatchObject({ id: 'call_m4q8w1zt', function: { name: 'get_weather' } })
    expect(JSON.parse(call.function.arguments)).toEqual({ location: 'Paris' })
    expect(final.choices[0]?.finish_reason).toBe('tool_calls')
    expect(env.lastEvent()).toMatchObject({ status: 'ok', usage: { inputTokens: 171, outputTokens: 61 } })
  })

  it('errors: unpulled model 404, busy queue 503, tools on a model without tools 400', async () => {
    const fail = (model: string, tools?: OpenAI.ChatCompletionTool[]) =>
      rejection(
        env.openai.chat.completions.create({
          model,
          messages: [{ role: 'user', content: 'x' }],
          ...(tools ? { tools } : {}),
        }),
      )
    const missing = await fail('ollama/qwen2.5:7b')
    expect([missing.status, missing.message]).toEqual([
      404,
      expect.stringContaining("model 'qwen2.5:7b' not found"),
    ])
    const busy = await fail('ollama/busy')
    expect(busy.status).toBe(503)
    expect(busy.message).toContain('ollama (credential ollama)')
    const noTools = await fail('ollama/gemma3:4b', [TOOL])
    expect([noTools.status, noTools.message]).toEqual([
      400,
      expect.stringContaining('does not support tools'),
    ])
  })
})

describe('ollama e2e: anthropic SDK (translated)', () => {
  it('text: content, end_turn, usage', async () => {
    const msg = await env.anthropic.messages.create({
      model: 'ollama/llama3.2',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hello' }],
    })
    expect(msg.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'Hello! How can I help you today?' }),
    ])
    expect(msg.stop_reason).toBe('end_turn')
    expect(msg.usage).toMatchObject({ input_tokens: 29, output_tokens: 10 })
    expect(env.lastUpstream().headers).not.toHaveProperty('authorization')
  })

  it('thinking from `reasoning`, tool_use, and the replayed thinking goes back as `reasoning`', async () => {
    const first = await env.anthropic.messages.create({
      model: 'ollama/qwen3:8b',
      max_tokens: 1024,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      tools: [ANTHROPIC_TOOL],
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    })
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'tool_use'])
    expect(first.content[0]).toMatchObject({ thinking: expect.stringMatching(/^Okay, the user wants/) })
    expect(first.content[1]).toMatchObject({ id: 'call_x7k2p9qe', input: { location: 'Paris' } })
    expect(first.stop_reason).toBe('tool_use')
    // Anthropic's thinking budget became an effort Ollama accepts.
    expect(env.lastUpstream().body).toMatchObject({ reasoning_effort: 'medium' })
    expect(env.lastUpstream().body).not.toHaveProperty('thinking_budget')
    const use = first.content[1]!
    if (use.type !== 'tool_use') throw new Error('no tool_use')
    const second = await env.anthropic.messages.create({
      model: 'ollama/qwen3:8b',
      max_tokens: 1024,
      tools: [ANTHROPIC_TOOL],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18C' }] },
      ],
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
    const tool = await env.anthropic.messages
      .stream({
        model: 'ollama/qwen3:8b',
        max_tokens: 1024,
        tools: [ANTHROPIC_TOOL],
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
      })
      .finalMessage()
    expect(tool.content).toEqual([
      expect.objectContaining({
        type: 'thinking',
        thinking: "Okay, the user wants the weather in Paris. I'll call get_weather.",
      }),
      expect.objectContaining({ type: 'tool_use', id: 'call_m4q8w1zt', input: { location: 'Paris' } }),
    ])
    expect(tool.stop_reason).toBe('tool_use')
    expect(tool.usage).toMatchObject({ input_tokens: 171, output_tokens: 61 })
    const text = await env.anthropic.messages
      .stream({ model: 'ollama/llama3.2', max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] })
      .finalMessage()
    expect(text.content).toEqual([expect.objectContaining({ text: 'Hello! How can I help you today?' })])
    expect(text.usage).toMatchObject({ output_tokens: 10 })
    expect(env.lastEvent()).toMatchObject({ status: 'ok', stream: true, endpoint: 'messages' })
  })

  it('errors in Anthropic shape: 404 not_found_error, 503 overloaded_error', async () => {
    const fail = (model: string) =>
      rejection<AnthropicAPIError>(
        env.anthropic.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      )
    const missing = await fail('ollama/qwen2.5:7b')
    expect(missing.status).toBe(404)
    expect(missing.error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } })
    const busy = await fail('ollama/busy')
    expect(busy.status).toBe(503)
    expect(busy.error).toMatchObject({ error: { type: 'overloaded_error' } })
  })
})
