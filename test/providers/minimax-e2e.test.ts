/**
 * MiniMax end to end through the running server: credentials created with the vault API point at
 * a small fake MiniMax (node:http on 127.0.0.1) that answers /v1/chat/completions with the
 * recorded-shape fixtures of src/providers/minimax/__fixtures__ (inline `<think>` in `content`)
 * and enforces what MiniMax documents here (Bearer key; `temperature` in (0, 1]). The official
 * `openai` SDK (pass-through: body and answer untouched, `<think>` included) and
 * `@anthropic-ai/sdk` (translated with the minimax quirks: `<think>` ⇄ thinking blocks,
 * `max_completion_tokens`, temperature into range, base_resp errors) call it.
 */
import { describe, expect, it } from 'vitest'
import {
  compatSuite,
  expectNoSecrets,
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

const env = compatSuite(answerMiniMax, 'minimax', { api: { mm: ['/v1', KEY], 'mm-bad': ['/v1', WRONG_KEY] } })

describe('minimax e2e: credentials', () => {
  it('the credential API takes MiniMax credentials; no key comes back', () => {
    env.expectStoredCredentials({ provider: 'minimax', category: 'sovereign' })
  })
})

describe('minimax e2e: openai SDK (pass-through)', () => {
  it('text: MiniMax content as written (<think> inline), usage; the key upstream, never the token', async () => {
    const res = await env.openai.chat.completions.create({
      model: 'mm/MiniMax-M2.7',
      messages: [user('Capital of France?')],
      max_tokens: 100,
    })
    expect(res.choices[0]?.message.content).toMatch(
      /^<think>\n.*\n<\/think>\n\nThe capital of France is Paris\.$/s,
    )
    expect(res.choices[0]?.finish_reason).toBe('stop')
    expect(res.usage).toMatchObject({ prompt_tokens: 46, completion_tokens: 25, total_tokens: 71 })
    // MiniMax's own fields reach OpenAI clients untouched.
    expect((res as unknown as Record<string, unknown>).base_resp).toEqual({ status_code: 0, status_msg: '' })
    const up = env.expectUpstreamAuth('/v1/chat/completions', KEY)
    // Pass-through: no quirks, max_tokens stays as the client sent it.
    expect(up.body).toEqual({
      model: 'MiniMax-M2.7',
      messages: [user('Capital of France?')],
      max_tokens: 100,
    })
    env.expectMetered({ inputTokens: 46, outputTokens: 25, reasoningTokens: 16 })
  })

  it('stream: the tags arrive cut as MiniMax sent them; usage from the choices:[] chunk', async () => {
    const { text, finish, usage, chunks } = await env.streamChat({
      model: 'mm/MiniMax-M2.7',
      messages: [user('Hi')],
      stream_options: { include_usage: true },
    })
    expect(chunks[0]?.choices[0]?.delta.content).toBe('<th')
    expect(text).toBe('<think>\nThe user greets me. Answer briefly.\n</think>\n\nHello! How can I help?')
    expect(finish).toBe('stop')
    expect(usage).toMatchObject({ prompt_tokens: 40, completion_tokens: 18 })
    expect(env.lastUpstream().body).toMatchObject({ stream: true, stream_options: { include_usage: true } })
    env.expectMetered(
      { inputTokens: 40, outputTokens: 18, cachedReadTokens: 32, reasoningTokens: 9 },
      { stream: true },
    )
  })

  it('tool call round trip: MiniMax ids; the appended message sends <think> back as MiniMax asks', async () => {
    const { second } = await env.chatToolRoundTrip('mm/MiniMax-M2.7', 'call_function_x7k2p9qe4m1a_1', {
      toolsAgain: true,
    })
    expect(second.choices[0]?.message.content).toContain('Paris')
    expect(env.lastUpstream().body.messages[1]).toMatchObject({
      role: 'assistant',
      content: expect.stringMatching(/^<think>\nThe user wants the weather in Paris/),
      tool_calls: [{ id: 'call_function_x7k2p9qe4m1a_1' }],
    })
  })

  it('streamed tool call: one whole delta, assembled by the SDK; usage metered', async () => {
    await env.expectStreamedWeatherCall('mm/MiniMax-M2.7', 'call_function_m4q8w1zt6b2c_1', [user('Weather?')])
    env.expectMetered({ inputTokens: 268, outputTokens: 62, cachedReadTokens: 256 })
  })

  it('errors: 429 keeps retry-after, unknown model 400, 401 naming the credential and never the key', async () => {
    const errors = await env.expectChatErrors([
      ['mm/minimax-limited', 429, 'rate limit exceeded(RPM) (1002)'],
      ['mm/MiniMax-M9', 400, "unknown model 'MiniMax-M9'"],
      ['mm-bad/MiniMax-M2.7', 401, 'minimax (credential mm-bad): invalid api key (2049)'],
    ])
    expect(errors[0]!.headers?.get('retry-after')).toBe('1')
    expectNoSecrets(errors, WRONG_KEY, KEY)
  })

  it('a failure MiniMax answers with HTTP 200 (choices null, base_resp) is the error it is, never a 200', async () => {
    const huge = await env.failChat('mm/minimax-huge')
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
        messages: [user('Capital of France?')],
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
    const req = { model: 'mm/MiniMax-M2.7', max_tokens: 1024, tools: [ANTHROPIC_WEATHER_TOOL] }
    const first = await env.anthropic.messages.create({ ...req, messages: [PARIS] })
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'tool_use'])
    const use = toolUseOf(first)
    expect(use).toMatchObject({ id: 'call_function_x7k2p9qe4m1a_1', input: { location: 'Paris' } })
    const second = await env.anthropic.messages.create({
      ...req,
      messages: withToolResult(PARIS, first.content, use.id),
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
    const text = await env.streamMessage({
      model: 'mm/MiniMax-M2.7',
      max_tokens: 100,
      messages: [user('Hi')],
    })
    expect(text.content).toEqual([
      expect.objectContaining({ type: 'thinking', thinking: '\nThe user greets me. Answer briefly.\n' }),
      expect.objectContaining({ type: 'text', text: 'Hello! How can I help?' }),
    ])
    expect(text.usage).toMatchObject({ input_tokens: 8, cache_read_input_tokens: 32, output_tokens: 18 })
    const tool = await env.streamMessagesWeather('mm/MiniMax-M2.7')
    expect(tool.content.map((b) => b.type)).toEqual(['thinking', 'tool_use'])
    expect(toolUseOf(tool)).toMatchObject({
      id: 'call_function_m4q8w1zt6b2c_1',
      input: { location: 'Paris' },
    })
    expect(env.lastEvent()).toMatchObject({ status: 'ok', stream: true, endpoint: 'messages' })
  })

  it('errors in Anthropic shape: 429, 401 without the key, and a 200 base_resp error as its status', async () => {
    // `choices: null` + base_resp 1039 on HTTP 200: a 400 with MiniMax's reason, not a 500.
    const [, bad, huge] = await env.expectMessagesErrors([
      ['mm/minimax-limited', 429, 'rate_limit_error'],
      ['mm-bad/MiniMax-M2.7', 401, 'authentication_error'],
      ['mm/minimax-huge', 400, 'invalid_request_error'],
    ])
    expectNoSecrets([bad!], WRONG_KEY)
    expect(huge!.error).toMatchObject({
      error: { message: expect.stringContaining('token limit (base_resp 1039)') },
    })
  })
})
