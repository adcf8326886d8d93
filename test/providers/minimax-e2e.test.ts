/**
 * MiniMax end to end through the running server: credentials created with the vault API point at
 * a small fake MiniMax (node:http on 127.0.0.1) that answers /v1/chat/completions with the
 * recorded-shape fixtures of src/providers/minimax/__fixtures__ (inline `<think>` in `content`)
 * and enforces what MiniMax documents here (Bearer key; `temperature` in (0, 1]). The official
 * `openai` SDK (pass-through: body and answer untouched, `<think>` included) and
 * `@anthropic-ai/sdk` (translated with the minimax quirks: `<think>` ⇄ thinking blocks,
 * `max_completion_tokens`, temperature into range, base_resp errors) call it.
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

const KEY = 'sk-api-mm-e2e-0123456789abcdefghij'
const WRONG_KEY = 'sk-api-mm-e2e-wrong-9876543210zyxw'

const fixture = (name: string) => loadJson('minimax', name)

function answerMiniMax({ method, path, headers, body }: UpstreamRequest, reply: Reply) {
  if (method !== 'POST' || path !== '/v1/chat/completions') return reply.json(404, '404 page not found')
  if (headers.authorization !== `Bearer ${KEY}`)
    return reply.json(401, fixture('minimax-error-401-invalid-key'))
  const model = String(body.model)
  if (model === 'minimax-limited')
    return reply.json(429, fixture('minimax-error-429-rate-limit'), { 'retry-after': '1' })
  if (model === 'MiniMax-M9') return reply.json(400, fixture('minimax-error-400-unknown-model'))
  // Recorded: a failure answered 200 with `choices: null` and a base_resp code.
  if (model === 'minimax-huge') return reply.json(200, fixture('minimax-error-200-token-limit'))
  const t = body.temperature
  if (typeof t === 'number' && (t <= 0 || t > 1)) {
    return reply.json(400, {
      type: 'error',
      error: { type: 'bad_request_error', message: 'invalid params, temperature (2013)', http_code: '400' },
      request_id: '0668a07a8470ab1795238049eec9f0c3',
    })
  }
  const messages = body.messages as Record<string, unknown>[]
  const toolTurn = Array.isArray(body.tools) && messages.at(-1)?.role === 'user'
  if (body.stream)
    return reply.sse(streamChunks('minimax', toolTurn ? 'minimax-tool-call' : 'minimax-text', body))
  reply.json(200, fixture(toolTurn ? 'minimax-tool-call' : 'minimax-text'))
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
  env = await compatE2E(answerMiniMax)
  for (const [name, apiKey] of [
    ['mm', KEY],
    ['mm-bad', WRONG_KEY],
  ] as const) {
    const res = await env.postCredential({
      name,
      provider: 'minimax',
      apiKey,
      baseUrl: `${env.upstream.url}/v1`,
      scope: 'org',
    })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({ provider: 'minimax', category: 'sovereign' })
    expect(res.body).not.toContain(apiKey)
  }
})
afterAll(() => env?.close())

describe('minimax e2e: openai SDK (pass-through)', () => {
  it('text: MiniMax content as written (<think> inline), usage; the key upstream, never the token', async () => {
    const res = await env.openai.chat.completions.create({
      model: 'mm/MiniMax-M2.7',
      messages: [{ role: 'user', content: 'Capital of France?' }],
      max_tokens: 100,
    })
    expect(res.choices[0]?.message.content).toMatch(
      /^<think>\n.*\n<\/think>\n\nThe capital of France is Paris\.$/s,
    )
    expect(res.choices[0]?.finish_reason).toBe('stop')
    expect(res.usage).toMatchObject({ prompt_tokens: 46, completion_tokens: 25, total_tokens: 71 })
    // MiniMax's own fields reach OpenAI clients untouched.
    expect((res as unknown as Record<string, unknown>).base_resp).toEqual({ status_code: 0, status_msg: '' })
    const up = env.lastUpstream()
    expect(up.path).toBe('/v1/chat/completions')
    expect(up.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(JSON.stringify(up.headers)).not.toContain(env.tokens.member)
    // Pass-through: no quirks, max_tokens stays as the client sent it.
    expect(up.body).toEqual({
      model: 'MiniMax-M2.7',
      messages: [{ role: 'user', content: 'Capital of France?' }],
      max_tokens: 100,
    })
    expect(env.lastEvent()).toMatchObject({
      status: 'ok',
      usage: { inputTokens: 46, outputTokens: 25, reasoningTokens: 16 },
    })
  })

  it('stream: the tags arrive cut as MiniMax sent them; usage from the choices:[] chunk', async () => {
    const stream = await env.openai.chat.completions.create({
      model: 'mm/MiniMax-M2.7',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    const { text, finish, usage, chunks } = await readChatStream(stream)
    expect(chunks[0]?.choices[0]?.delta.content).toBe('<th')
    expect(text).toBe('<think>\nThe user greets me. Answer briefly.\n</think>\n\nHello! How can I help?')
    expect(finish).toBe('stop')
    expect(usage).toMatchObject({ prompt_tokens: 40, completion_tokens: 18 })
    expect(env.lastUpstream().body).toMatchObject({ stream: true, stream_options: { include_usage: true } })
    expect(env.lastEvent()).toMatchObject({
      status: 'ok',
      stream: true,
      usage: { inputTokens: 40, outputTokens: 18, cachedReadTokens: 32, reasoningTokens: 9 },
    })
  })

  it('tool call round trip: MiniMax ids; the appended message sends <think> back as MiniMax asks', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const first = await env.openai.chat.completions.create({
      model: 'mm/MiniMax-M2.7',
      messages,
      tools: [TOOL],
    })
    const choice = first.choices[0]!
    expect(choice.finish_reason).toBe('tool_calls')
    const call = choice.message.tool_calls?.[0]
    if (call?.type !== 'function') throw new Error('no call')
    expect(call.id).toBe('call_function_x7k2p9qe4m1a_1')
    expect(JSON.parse(call.function.arguments)).toEqual({ location: 'Paris' })
    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temp":18}' })
    const second = await env.openai.chat.completions.create({
      model: 'mm/MiniMax-M2.7',
      messages,
      tools: [TOOL],
    })
    expect(second.choices[0]?.message.content).toContain('Paris')
    expect(env.lastUpstream().body.messages[1]).toMatchObject({
      role: 'assistant',
      content: expect.stringMatching(/^<think>\nThe user wants the weather in Paris/),
      tool_calls: [{ id: 'call_function_x7k2p9qe4m1a_1' }],
    })
  })

  it('streamed tool call: one whole delta, assembled by the SDK; usage metered', async () => {
    const final = await env.openai.chat.completions
      .stream({ model: 'mm/MiniMax-M2.7', messages: [{ role: 'user', content: 'Weather?' }], tools: [TOOL] })
      .finalChatCompletion()
    const call = final.choices[0]?.message.tool_calls?.[0]
    if (call?.type !== 'function') throw new Error('no call')
    expect(call).toMatchObject({ id: 'call_function_m4q8w1zt6b2c_1', function: { name: 'get_weather' } })
    expect(JSON.parse(call.function.arguments)).toEqual({ location: 'Paris' })
    expect(final.choices[0]?.finish_reason).toBe('tool_calls')
    expect(env.lastEvent()).toMatchObject({
      status: 'ok',
      usage: { inputTokens: 268, outputTokens: 62, cachedReadTokens: 256 },
    })
  })

  it('errors: 429 keeps retry-after, unknown model 400, 401 naming the credential and never the key', async () => {
    const fail = (model: string) =>
      rejection(env.openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }))
    const limited = await fail('mm/minimax-limited')
    expect(limited.status).toBe(429)
    expect(limited.headers?.get('retry-after')).toBe('1')
    expect(limited.message).toContain('rate limit exceeded(RPM) (1002)')
    const unknown = await fail('mm/MiniMax-M9')
    expect([unknown.status, unknown.message]).toEqual([
      400,
      expect.stringContaining("unknown model 'MiniMax-M9'"),
    ])
    const bad = await fail('mm-bad/MiniMax-M2.7')
    expect(bad.status).toBe(401)
    expect(bad.message).toContain('minimax (credential mm-bad): invalid api key (2049)')
    for (const e of [limited, unknown, bad]) {
      expect(JSON.stringify(e.error)).not.toContain(WRONG_KEY)
      expect(JSON.stringify(e.error)).not.toContain(KEY)
    }
  })

  it('a failure MiniMax answers with HTTP 200 (choices null, base_resp) is the error it is, never a 200', async () => {
    const huge = await rejection(
      env.openai.chat.completions.create({
        model: 'mm/minimax-huge',
        messages: [{ role: 'user', content: 'x' }],
      }),
    )
    expect(huge.status).toBe(400)
    expect(huge.message).toContain('token limit (base_resp 1039)')
    expect(env.lastEvent()).toMatchObject({ status: 'error', httpStatus: 400 })
  })
})

describe('minimax e2e: anthropic SDK (translated)', () => {
  it('text: <think> becomes a thinking block; max_completion_tokens and an in-range temperature upstream', async () => {
    const { data: msg, response } = await env.anthropic.messages
      .create({
        model: 'mm/MiniMax-M2.7',
        max_tokens: 100,
        temperature: 0,
        messages: [{ role: 'user', content: 'Capital of France?' }],
      })
      .withResponse()
    expect(msg.content).toEqual([
      expect.objectContaining({ type: 'thinking', thinking: expect.stringContaining('capital of France') }),
      expect.objectContaining({ type: 'text', text: 'The capital of France is Paris.' }),
    ])
    expect(msg.stop_reason).toBe('end_turn')
    expect(msg.usage).toMatchObject({ input_tokens: 46, output_tokens: 25 })
    const up = env.lastUpstream().body
    expect(up).toMatchObject({ model: 'MiniMax-M2.7', max_completion_tokens: 100, temperature: 0.01 })
    expect(up).not.toHaveProperty('max_tokens')
    expect(response.headers.get('x-latchkey-warning')).toContain('temperature: MiniMax accepts (0, 1]')
  })

  it('thinking + tool_use, then the tool_result turn sends the thinking back inline as <think>', async () => {
    const ask = { role: 'user' as const, content: 'Weather in Paris?' }
    const first = await env.anthropic.messages.create({
      model: 'mm/MiniMax-M2.7',
      max_tokens: 1024,
      tools: [ANTHROPIC_TOOL],
      messages: [ask],
    })
    expect(first.stop_reason).toBe('tool_use')
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'tool_use'])
    const use = first.content[1]
    if (use?.type !== 'tool_use') throw new Error('no tool_use')
    expect(use).toMatchObject({ id: 'call_function_x7k2p9qe4m1a_1', input: { location: 'Paris' } })
    const second = await env.anthropic.messages.create({
      model: 'mm/MiniMax-M2.7',
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
    expect(replayed).toEqual({
      role: 'assistant',
      content:
        '<think>\nThe user wants the weather in Paris. Call get_weather with location Paris.\n</think>',
      tool_calls: [
        {
          id: 'call_function_x7k2p9qe4m1a_1',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
        },
      ],
    })
  })

  it('streams: tags cut across chunks still give thinking then text; tool_use whole; cache usage', async () => {
    const text = await env.anthropic.messages
      .stream({ model: 'mm/MiniMax-M2.7', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] })
      .finalMessage()
    expect(text.content).toEqual([
      expect.objectContaining({ type: 'thinking', thinking: '\nThe user greets me. Answer briefly.\n' }),
      expect.objectContaining({ type: 'text', text: 'Hello! How can I help?' }),
    ])
    expect(text.usage).toMatchObject({ input_tokens: 8, cache_read_input_tokens: 32, output_tokens: 18 })
    const tool = await env.anthropic.messages
      .stream({
        model: 'mm/MiniMax-M2.7',
        max_tokens: 1024,
        tools: [ANTHROPIC_TOOL],
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
      })
      .finalMessage()
    expect(tool.content.map((b) => b.type)).toEqual(['thinking', 'tool_use'])
    expect(tool.content[1]).toMatchObject({
      id: 'call_function_m4q8w1zt6b2c_1',
      input: { location: 'Paris' },
    })
    expect(tool.stop_reason).toBe('tool_use')
    expect(env.lastEvent()).toMatchObject({ status: 'ok', stream: true, endpoint: 'messages' })
  })

  it('errors in Anthropic shape: 429, 401 without the key, and a 200 base_resp error as its status', async () => {
    const fail = (model: string) =>
      rejection<AnthropicAPIError>(
        env.anthropic.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      )
    const limited = await fail('mm/minimax-limited')
    expect(limited.status).toBe(429)
    expect(limited.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })
    const bad = await fail('mm-bad/MiniMax-M2.7')
    expect(bad.status).toBe(401)
    expect(bad.error).toMatchObject({ error: { type: 'authentication_error' } })
    expect(JSON.stringify(bad.error)).not.toContain(WRONG_KEY)
    // `choices: null` + base_resp 1039 on HTTP 200: a 400 with MiniMax's reason, not a 500.
    const huge = await fail('mm/minimax-huge')
    expect(huge.status).toBe(400)
    expect(huge.error).toMatchObject({
      error: {
        type: 'invalid_request_error',
        message: expect.stringContaining('token limit (base_resp 1039)'),
      },
    })
  })
})
