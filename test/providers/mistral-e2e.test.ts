/**
 * A `mistral` credential end to end: the official `openai` and `@anthropic-ai/sdk` clients call
 * the running gateway, which calls a small local fake of La Plateforme serving the recorded
 * fixtures (src/providers/mistral/__fixtures__). The fake enforces what Mistral is known to
 * enforce: a closed request schema (`stream_options` → 422 extra_forbidden) and nine-character
 * tool-call ids (→ 400), so the quirks are checked by the upstream's own rules.
 */
import type OpenAI from 'openai'
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

const KEY = 'mistral-fake-key-0123456789abcdef'

/** Fixture case for a request: Magistral thinks; a tool turn calls the tool; otherwise text. */
function fixtureFor(body: Body): string {
  if (String(body.model).startsWith('magistral')) return 'mistral-magistral-thinking'
  const last = body.messages?.at(-1)
  if (body.tools?.length && last?.role !== 'tool') return 'mistral-tool-call'
  return 'mistral-text'
}

function answerMistral({ method, path, headers, body }: UpstreamRequest, reply: Reply) {
  if (method !== 'POST' || path !== '/v1/chat/completions') return reply.json(404, { detail: 'Not Found' })
  if (headers.authorization !== `Bearer ${KEY}`)
    return reply.json(401, loadJson('mistral', 'mistral-error-unauthorized'))
  if ('stream_options' in body) return reply.json(422, loadJson('mistral', 'mistral-error-extra-forbidden'))
  const ids = (body.messages as Body[]).flatMap((m) => [
    ...((m.tool_calls as Body[] | undefined) ?? []).map((c) => String(c.id)),
    ...(m.tool_call_id ? [String(m.tool_call_id)] : []),
  ])
  const bad = ids.find((id) => !/^[A-Za-z0-9]{9}$/.test(id))
  if (bad) {
    return reply.json(400, {
      ...loadJson<Record<string, unknown>>('mistral', 'mistral-error-tool-call-id'),
      message: `Tool call id was ${bad} but must be a-z, A-Z, 0-9, with a length of 9.`,
    })
  }
  if (body.model === 'mistral-limited')
    return reply.json(429, loadJson('mistral', 'mistral-error-rate-limit'), { 'retry-after': '1' })
  replyRecorded(reply, 'mistral', body, fixtureFor(body))
}

const env = compatSuite(answerMistral, 'mistral', {
  memory: { mi: ['/v1', KEY], mibad: ['/v1', 'mistral-wrong-key-9876543210'] },
})

const hi = [user('Say hi')]
const SMALL = 'mi/mistral-small-latest'
const TWO_CITIES = [user('Weather in Paris and Lyon?')]

describe('openai SDK → mistral credential (pass-through)', () => {
  it('chat: text, finish, usage; upstream gets the model and the credential key', async () => {
    const res = await env.openai.chat.completions.create({ model: SMALL, messages: hi, max_tokens: 50 })
    expect(res.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'Hello, world!' } })
    expect(res.usage).toMatchObject({ prompt_tokens: 19, completion_tokens: 9, total_tokens: 28 })
    const up = env.expectUpstreamAuth('/v1/chat/completions', KEY)
    expect(up.body).toMatchObject({ model: 'mistral-small-latest', max_tokens: 50 })
    env.expectMetered({ inputTokens: 19, outputTokens: 9 })
  })

  it('chat: the body goes upstream as sent, so `seed` is not renamed to random_seed here', async () => {
    // The quirks (random_seed, tool_choice "any", …) run only on translated calls (/v1/messages);
    // /v1/chat/completions to an OpenAI-wire kind is a pass-through. Real Mistral's closed schema
    // may refuse `seed` (unconfirmed); this fake accepts it.
    await env.openai.chat.completions.create({ model: SMALL, messages: hi, seed: 7 })
    expect(env.lastUpstream().body).toMatchObject({ seed: 7 })
    expect(env.lastUpstream().body).not.toHaveProperty('random_seed')
  })

  it('chat: tool call with Mistral’s nine-character id', async () => {
    const res = await env.openai.chat.completions.create({
      model: SMALL,
      messages: [PARIS],
      tools: [WEATHER_TOOL],
    })
    const call = expectWeatherCall(res.choices[0], 'kX7pQ2mZr')
    // Pass-through: Mistral sends no `type` on tool calls and the gateway does not add one.
    expect(call).not.toHaveProperty('type')
  })

  it('stream: text deltas, finish, usage on the finish chunk; no stream_options added for Mistral', async () => {
    const { text, finish, usage } = await env.streamChat({ model: SMALL, messages: hi })
    expect({ text, finish }).toEqual({ text: 'Hello, world!', finish: 'stop' })
    expect(usage).toMatchObject({ prompt_tokens: 2067, completion_tokens: 9 })
    expect(env.lastUpstream().body).not.toHaveProperty('stream_options')
    env.expectMetered({ inputTokens: 2067, outputTokens: 9, cachedReadTokens: 2048 }, { stream: true })
  })

  it('stream: whole tool calls get the index and type OpenAI clients assemble them by', async () => {
    const { chunks, finish } = await env.streamChat({
      model: SMALL,
      messages: TWO_CITIES,
      tools: [WEATHER_TOOL],
    })
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
    expect(finish).toBe('tool_calls')
    expect(calls.map((t) => [t.id, t.function?.name, JSON.parse(t.function!.arguments!), t.index])).toEqual([
      ['kX7pQ2mZr', 'get_weather', { location: 'Paris' }, 0],
      ['Rb4nW8tLq', 'get_weather', { location: 'Lyon' }, 1],
    ])
  })

  it('stream: the openai SDK stream helper assembles both calls', async () => {
    // ChatCompletionStream assembles tool calls by `index`, which Mistral does not send: the
    // pass-through numbers them (openai-compatible-adapter.ts STREAM_REPAIRS).
    const final = await env.openai.chat.completions
      .stream({ model: SMALL, messages: TWO_CITIES, tools: [WEATHER_TOOL] })
      .finalChatCompletion()
    expect(final.choices[0]!.finish_reason).toBe('tool_calls')
    const calls = final.choices[0]!.message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[]
    expect(calls.map((t) => [t.id, t.function.name])).toEqual([
      ['kX7pQ2mZr', 'get_weather'],
      ['Rb4nW8tLq', 'get_weather'],
    ])
  })

  it('stream with stream_options: dropped for Mistral (it refuses the field), usage still comes', async () => {
    // Many OpenAI clients send include_usage by default; Mistral answers 422 to the field and
    // reports usage on its finish chunk anyway.
    const { usage } = await env.streamChat({
      model: SMALL,
      messages: hi,
      stream_options: { include_usage: true },
    })
    expect(usage).toMatchObject({ prompt_tokens: expect.any(Number) })
    expect(env.lastUpstream().body).not.toHaveProperty('stream_options')
  })

  it('errors: 429 keeps retry-after; a refused key → 401 naming the credential, not the key', async () => {
    const [limited, denied] = await env.expectChatErrors([
      ['mi/mistral-limited', 429],
      ['mibad/mistral-small-latest', 401, 'mibad'],
    ])
    expect(limited!.headers?.get('retry-after')).toBe('1')
    expectNoSecrets([denied!], 'mistral-wrong-key')
  })
})

describe('anthropic SDK → mistral credential (translated, quirks applied)', () => {
  it('text: content, end_turn, usage; no stream_options or unknown fields upstream', async () => {
    const msg = await env.anthropic.messages.create({
      model: SMALL,
      max_tokens: 100,
      system: 'Be brief.',
      messages: hi,
    })
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello, world!' }])
    expect(msg.stop_reason).toBe('end_turn')
    expect(msg.usage).toMatchObject({ input_tokens: 19, output_tokens: 9 })
    expect(env.lastUpstream().body).toEqual({
      model: 'mistral-small-latest',
      max_tokens: 100,
      messages: [{ role: 'system', content: 'Be brief.' }, ...hi],
    })
    env.expectMetered({ outputTokens: 9 }, { endpoint: 'messages' })
  })

  it('tools: tool_choice any goes up as "any"; tool_use then the answer after tool_result', async () => {
    const req = { model: SMALL, max_tokens: 100, tools: [ANTHROPIC_WEATHER_TOOL] }
    const first = await env.anthropic.messages.create({
      ...req,
      tool_choice: { type: 'any' },
      messages: [PARIS],
    })
    expect(env.lastUpstream().body.tool_choice).toBe('any')
    const use = toolUseOf(first)
    expect(use).toMatchObject({ id: 'kX7pQ2mZr', name: 'get_weather', input: { location: 'Paris' } })
    const second = await env.anthropic.messages.create({
      ...req,
      messages: withToolResult(PARIS, first.content, use.id),
    })
    expect(second.content).toEqual([{ type: 'text', text: 'Hello, world!' }])
    expect(env.lastUpstream().body.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'kX7pQ2mZr' })
  })

  it('a history with another provider’s tool ids is accepted (ids mapped to nine characters)', async () => {
    const id = 'toolu_01A09q90qw90lq917835lq9'
    const msg = await env.anthropic.messages.create({
      model: SMALL,
      max_tokens: 100,
      tools: [ANTHROPIC_WEATHER_TOOL],
      messages: withToolResult(
        PARIS,
        [{ type: 'tool_use', id, name: 'get_weather', input: { location: 'Paris' } }],
        id,
      ),
    })
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello, world!' }])
    const [assistant, tool] = env.lastUpstream().body.messages.slice(-2)
    expect(assistant.tool_calls[0].id).toMatch(/^[A-Za-z0-9]{9}$/)
    expect(tool.tool_call_id).toBe(assistant.tool_calls[0].id)
  })

  it('stream: text, usage with cache read, no stream_options upstream', async () => {
    const msg = await env.streamMessage({ model: SMALL, max_tokens: 100, messages: hi })
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello, world!' }])
    expect(msg.usage).toMatchObject({ input_tokens: 19, cache_read_input_tokens: 2048, output_tokens: 9 })
    expect(env.lastUpstream().body).toMatchObject({ stream: true })
    expect(env.lastUpstream().body).not.toHaveProperty('stream_options')
    env.expectMetered({ inputTokens: 2067 }, { stream: true })
  })

  it('stream: two whole tool calls become two tool_use blocks', async () => {
    const msg = await env.streamMessagesWeather(SMALL, { max_tokens: 100, messages: TWO_CITIES })
    expect(msg.stop_reason).toBe('tool_use')
    expect(msg.content).toEqual([
      { type: 'tool_use', id: 'kX7pQ2mZr', name: 'get_weather', input: { location: 'Paris' } },
      { type: 'tool_use', id: 'Rb4nW8tLq', name: 'get_weather', input: { location: 'Lyon' } },
    ])
  })

  it('Magistral thinking chunks become thinking blocks (stream and not)', async () => {
    const req = { model: 'mi/magistral-medium-2507', max_tokens: 100, messages: [user('2+2?')] }
    const want = [
      expect.objectContaining({ type: 'thinking', thinking: 'The user asks for 2+2. That is 4.' }),
      expect.objectContaining({ type: 'text', text: '2 + 2 = 4' }),
    ]
    expect((await env.anthropic.messages.create(req)).content).toEqual(want)
    expect((await env.streamMessage(req)).content).toEqual(want)
  })

  it('429 comes back in Anthropic shape with retry-after', async () => {
    const [err] = await env.expectMessagesErrors([['mi/mistral-limited', 429, 'rate_limit_error']])
    expect(err?.headers?.get?.('retry-after')).toBe('1')
  })
})
