/**
 * A `groq` credential end to end: the official `openai` (pass-through) and `@anthropic-ai/sdk`
 * (translated, groq quirks applied) clients call the running gateway, which calls a small local
 * fake of `/openai/v1/chat/completions` serving the recorded-shape fixtures of
 * src/providers/groq/__fixtures__. The fake enforces what Groq documents or was seen to enforce:
 * Bearer key, 400 for `logprobs`/`logit_bias`/`top_logprobs`/`messages[].name`/`n` ≠ 1 and for
 * `reasoning_content` on assistant messages; 429 with `retry-after`, 413 over the per-minute
 * token budget, 498 when the flex tier is at capacity.
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
  toolUseOf,
  type UpstreamRequest,
  user,
  withToolResult,
} from './compat-e2e-helpers.js'
import { loadJson } from './fixture-helpers.js'
import { ANTHROPIC_WEATHER_TOOL, WEATHER_TOOL } from './provider-env.js'

const KEY = 'gsk_groqe2e0123456789abcdefghijkl'
const WRONG_KEY = 'gsk_groqe2ewrong9876543210zyxwvu'
const PATH = '/openai/v1/chat/completions'

const fixture = (name: string) => loadJson<{ error: Record<string, unknown> }>('groq', name)

/** Groq's 400s for what its OpenAI compatibility page lists as unsupported, and reasoning replay. */
function refusal(body: Body): { error: Record<string, unknown> } | undefined {
  const param = ['logprobs', 'logit_bias', 'top_logprobs'].find((p) => body[p] != null && body[p] !== false)
  if (param)
    return {
      error: { ...fixture('groq-error-logprobs').error, message: `'${param}' : not supported`, param },
    }
  if (body.n != null && body.n !== 1)
    return { error: { message: "'n' : number must be at most 1", type: 'invalid_request_error' } }
  const messages = body.messages as Body[]
  const named = messages.findIndex((m) => 'name' in m)
  if (named >= 0)
    return {
      error: {
        message: `'messages.${named}' : property 'name' is unsupported`,
        type: 'invalid_request_error',
      },
    }
  const i = messages.findIndex((m) => m.role === 'assistant' && 'reasoning_content' in m)
  if (i < 0) return undefined
  const error = fixture('groq-error-reasoning-content').error
  return { error: { ...error, message: String(error.message).replaceAll('messages.1', `messages.${i}`) } }
}

function fixtureFor(body: Body): string {
  if (String(body.model).startsWith('qwen/')) return 'groq-qwen3-reasoning'
  if (body.tools?.length && body.messages.at(-1)?.role !== 'tool') return 'groq-tool-call'
  return 'groq-text'
}

function answerGroq({ method, path, headers, body }: UpstreamRequest, reply: Reply) {
  if (method !== 'POST' || path !== PATH)
    return reply.json(404, { error: { message: 'Unknown request URL', type: 'invalid_request_error' } })
  if (headers.authorization !== `Bearer ${KEY}`) return reply.json(401, fixture('groq-error-invalid-api-key'))
  const refused = refusal(body)
  if (refused) return reply.json(400, refused)
  if (body.model === 'groq-limited')
    return reply.json(429, fixture('groq-error-rate-limit'), { 'retry-after': '578' })
  if (body.model === 'groq-huge') return reply.json(413, fixture('groq-error-request-too-large'))
  if (body.service_tier === 'flex') return reply.json(498, fixture('groq-error-flex-capacity'))
  replyRecorded(reply, 'groq', body, fixtureFor(body))
}

const env = compatSuite(answerGroq, 'groq', {
  memory: { groq: ['/openai/v1', KEY], groqbad: ['/openai/v1', WRONG_KEY] },
})

const hi = [user('Say hi')]
const HELLO = 'Hello! How can I help you today?'
const LLAMA = 'groq/llama-3.3-70b-versatile'

describe('openai SDK → groq credential (pass-through)', () => {
  it('chat: text, finish, usage; Groq’s own fields reach the client untouched; key upstream', async () => {
    const res = await env.openai.chat.completions.create({ model: LLAMA, messages: hi })
    expect(res.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: HELLO } })
    expect(res.usage).toMatchObject({ prompt_tokens: 45, completion_tokens: 10, queue_time: 0.041876985 })
    expect((res as unknown as Body).x_groq).toEqual({ id: 'req_01kh52m3qqem4sw141xf026ehx', seed: 167346302 })
    const up = env.expectUpstreamAuth(PATH, KEY)
    expect(up.body).toMatchObject({ model: 'llama-3.3-70b-versatile', messages: hi })
    env.expectMetered({ inputTokens: 45, outputTokens: 10 })
  })

  it('chat: quirks do not run here, so `logprobs` meets Groq’s own 400, reason passed back', async () => {
    const err = await env.failChat(LLAMA, { messages: hi, logprobs: true })
    expect(err.status).toBe(400)
    expect(err.message).toContain("'logprobs' : not supported")
    expect(env.lastUpstream().body).toMatchObject({ logprobs: true })
  })

  it('chat: tool call with Groq’s id and no content key', async () => {
    const res = await env.openai.chat.completions.create({
      model: LLAMA,
      messages: [PARIS],
      tools: [WEATHER_TOOL],
    })
    expect(expectWeatherCall(res.choices[0], 'ax9fskhev')).toMatchObject({ type: 'function' })
  })

  it('chat: Qwen3 reasoning reaches OpenAI clients in Groq’s `reasoning` field', async () => {
    const res = await env.openai.chat.completions.create({ model: 'groq/qwen/qwen3-32b', messages: hi })
    expect((res.choices[0]!.message as unknown as Body).reasoning).toMatch(/^Spell it out/)
    expect(env.lastEvent().usage).toMatchObject({ reasoningTokens: 35 })
  })

  it('stream: text, usage from the finishing chunk; include_usage asked upstream for metering', async () => {
    const { text, finish, usage } = await env.streamChat({ model: LLAMA, messages: hi })
    expect({ text, finish }).toEqual({ text: HELLO, finish: 'stop' })
    expect(usage).toMatchObject({ prompt_tokens: 45, completion_tokens: 10 })
    expect(env.lastUpstream().body).toMatchObject({ stream: true, stream_options: { include_usage: true } })
    env.expectMetered({ inputTokens: 45, outputTokens: 10 }, { stream: true })
  })

  it('stream: the SDK stream helper assembles the whole-call delta', async () => {
    await env.expectStreamedWeatherCall(LLAMA, 'tk85n1k4m')
    expect(env.lastEvent().usage).toMatchObject({ inputTokens: 210, outputTokens: 15 })
  })

  it('errors: 429 keeps retry-after, 413 keeps Groq’s status, 498 is a retried 503, 401 names the credential', async () => {
    const limited = await env.failChat('groq/groq-limited', { messages: hi })
    expect(limited.status).toBe(429)
    expect(limited.headers?.get('retry-after')).toBe('578')
    expect(limited.message).toContain('tokens per day (TPD)')
    // A retry-after beyond the gateway's longest wait is not waited for: one attempt only.
    expect(env.upstream.requests).toHaveLength(1)
    const huge = await env.failChat('groq/groq-huge', { messages: hi })
    expect(huge.status).toBe(413)
    expect(huge.message).toContain('Request too large')
    // Groq's flex tier at capacity: an overload, retried, then answered 503 overloaded_error.
    env.upstream.requests.length = 0
    const flex = await env.failChat(LLAMA, { messages: hi, service_tier: 'flex' })
    expect(flex.status).toBe(503)
    expect(flex.error).toMatchObject({ type: 'overloaded_error', code: 'upstream_unavailable' })
    expect(env.upstream.requests.length).toBeGreaterThan(1)
    expect(flex.message).toContain('Flex tier capacity exceeded')
    const denied = await env.failChat('groqbad/llama-3.3-70b-versatile', { messages: hi })
    expect(denied.status).toBe(401)
    expect(denied.message).toContain('groq (credential groqbad)')
    for (const e of [limited, huge, flex, denied]) expect(JSON.stringify(e.error)).not.toMatch(/gsk_groqe2e/)
  })
})

describe('anthropic SDK → groq credential (translated, quirks applied)', () => {
  it('text: content, end_turn, usage; the upstream body is plain OpenAI wire', async () => {
    const msg = await env.anthropic.messages.create({
      model: LLAMA,
      max_tokens: 100,
      system: 'Be brief.',
      messages: hi,
    })
    expect(msg.content).toEqual([{ type: 'text', text: HELLO }])
    expect(msg.stop_reason).toBe('end_turn')
    expect(msg.usage).toMatchObject({ input_tokens: 45, output_tokens: 10 })
    expect(env.lastUpstream().body).toEqual({
      model: 'llama-3.3-70b-versatile',
      max_tokens: 100,
      messages: [{ role: 'system', content: 'Be brief.' }, ...hi],
    })
    env.expectMetered({ outputTokens: 10 }, { endpoint: 'messages' })
  })

  it('tools: tool_use, then the tool_result turn without the thinking Groq would refuse', async () => {
    const req = { model: LLAMA, max_tokens: 100, tools: [ANTHROPIC_WEATHER_TOOL] }
    const { data: first, response } = await env.anthropic.messages
      .create({
        ...req,
        top_k: 5,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        tool_choice: { type: 'any' },
        messages: [PARIS],
      })
      .withResponse()
    const use = toolUseOf(first)
    expect(use).toMatchObject({ id: 'ax9fskhev', name: 'get_weather', input: { location: 'Paris' } })
    // top_k is not a Groq parameter: dropped and reported; the budget becomes reasoning_effort.
    expect(response.headers.get('x-latchkey-warning')).toContain('top_k')
    expect(env.lastUpstream().body).toMatchObject({ tool_choice: 'required', reasoning_effort: 'low' })
    expect(env.lastUpstream().body).not.toHaveProperty('top_k')
    expect(env.lastUpstream().body).not.toHaveProperty('thinking_budget')

    const thought = { type: 'thinking' as const, thinking: 'Call the tool.', signature: 'sig' }
    const second = await env.anthropic.messages.create({
      ...req,
      messages: withToolResult(PARIS, [thought, ...first.content], use.id),
    })
    expect(second.content).toEqual([{ type: 'text', text: HELLO }])
    const [assistant, tool] = env.lastUpstream().body.messages.slice(-2)
    expect(assistant).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: 'ax9fskhev',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
        },
      ],
    })
    expect(tool).toEqual({ role: 'tool', tool_call_id: 'ax9fskhev', content: '18C' })
  })

  it('Qwen3 `reasoning` becomes a thinking block, streamed and not', async () => {
    const req = { model: 'groq/qwen/qwen3-32b', max_tokens: 200, messages: hi }
    const msg = await env.anthropic.messages.create(req)
    expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text'])
    expect(msg.content[0]).toMatchObject({ thinking: expect.stringMatching(/^Spell it out/) })
    const streamed = await env.streamMessage(req)
    expect(streamed.content).toEqual([
      expect.objectContaining({ type: 'thinking', thinking: 'Spell it out: S-T-R-A-W-B-E-R-R-Y. Three.' }),
      expect.objectContaining({ type: 'text', text: 'There are 3 Rs.' }),
    ])
    env.expectMetered({ reasoningTokens: 16 }, { stream: true })
  })

  it('streams: text with usage; a whole tool call becomes one tool_use block', async () => {
    const text = await env.streamMessage({ model: LLAMA, max_tokens: 100, messages: hi })
    expect(text.content).toEqual([{ type: 'text', text: HELLO }])
    expect(text.usage).toMatchObject({ input_tokens: 45, output_tokens: 10 })
    expect(env.lastUpstream().body).toMatchObject({ stream: true, stream_options: { include_usage: true } })
    const tool = await env.streamMessagesWeather(LLAMA, { max_tokens: 100 })
    expect(tool.stop_reason).toBe('tool_use')
    expect(tool.content).toEqual([
      { type: 'tool_use', id: 'tk85n1k4m', name: 'get_weather', input: { location: 'Paris' } },
    ])
    env.expectMetered({ inputTokens: 210 }, { stream: true })
  })

  it('errors in Anthropic shape: 429 with retry-after; 401 typed authentication_error, without the key', async () => {
    // Groq types its 401 `invalid_request_error`; the status decides, so clients branching on
    // `error.type` see the auth failure.
    const [limited, denied] = await env.expectMessagesErrors([
      ['groq/groq-limited', 429, 'rate_limit_error'],
      ['groqbad/llama-3.3-70b-versatile', 401, 'authentication_error'],
    ])
    expect(limited!.headers?.get('retry-after')).toBe('578')
    expect(denied!.message).toContain('groq (credential groqbad): Invalid API Key')
    expectNoSecrets([denied!], WRONG_KEY)
  })
})
