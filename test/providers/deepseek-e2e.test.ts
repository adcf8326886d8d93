/**
 * A `deepseek` credential end to end: the official `openai` (pass-through) and `@anthropic-ai/sdk`
 * (translated, deepseek quirks applied) clients call the running gateway, which calls a small
 * local fake of `/v1/chat/completions` serving the recorded-shape fixtures of
 * src/providers/deepseek/__fixtures__. The fake enforces what DeepSeek was seen to enforce: Bearer
 * key (401 echoing the key's last four characters), `reasoning_content` on every assistant
 * tool-call turn in thinking mode (on unless `thinking: {type: "disabled"}` or the `deepseek-chat`
 * alias), no `json_schema` response format, string-only message content (422), 402 for an empty
 * balance and 429 over the concurrency limit.
 */
import { describe, expect, it } from 'vitest'
import {
  type Body,
  compatSuite,
  expectNoSecrets,
  expectThinkingThenWeather,
  PARIS,
  type Reply,
  replyRecorded,
  toolUseOf,
  type UpstreamRequest,
  user,
  withToolResult,
} from './compat-e2e-helpers.js'
import { loadJson } from './fixture-helpers.js'
import { ANTHROPIC_WEATHER_TOOL } from './provider-env.js'

const KEY = 'sk-deepseeke2e0123456789abcdef0123'
const WRONG_KEY = 'sk-deepseeke2ewrong98765432100wxyz'
const PATH = '/v1/chat/completions'

type ErrorBody = { error: Record<string, unknown> }
const fixture = (name: string) => loadJson<ErrorBody>('deepseek', name)
const withMessage = (name: string, message: string): ErrorBody => ({
  error: { ...fixture(name).error, message },
})

const thinking = (body: Body) =>
  body.thinking?.type === 'enabled' || (body.thinking?.type !== 'disabled' && body.model !== 'deepseek-chat')

/** DeepSeek's request checks, in the order a request meets them. */
function refusal(body: Body): [number, ErrorBody] | undefined {
  const messages = body.messages as Body[]
  const parts = messages.findIndex((m) => Array.isArray(m.content))
  if (parts >= 0) {
    const reason = `Failed to deserialize the JSON body into the target type: messages[${parts}]: invalid type: sequence, expected a string at line 1 column 42`
    return [422, withMessage('deepseek-error-invalid-parameters', reason)]
  }
  if (body.response_format?.type === 'json_schema') return [400, fixture('deepseek-error-response-format')]
  const bare = messages.some((m) => m.role === 'assistant' && m.tool_calls && !('reasoning_content' in m))
  if (thinking(body) && bare) return [400, fixture('deepseek-error-reasoning-content-missing')]
  if (body.model === 'deepseek-broke') return [402, fixture('deepseek-error-insufficient-balance')]
  if (body.model === 'deepseek-limited') return [429, fixture('deepseek-error-rate-limit')]
  return undefined
}

function fixtureFor(body: Body): string {
  if (body.tools?.length && body.messages.at(-1)?.role !== 'tool') return 'deepseek-tool-call'
  return body.stream && thinking(body) ? 'deepseek-reasoner' : 'deepseek-text'
}

function answerDeepSeek({ method, path, headers, body }: UpstreamRequest, reply: Reply) {
  if (method !== 'POST' || path !== PATH) return reply.json(404, { error: { message: 'Not Found' } })
  const auth = String(headers.authorization ?? '')
  if (auth !== `Bearer ${KEY}`) {
    const reason = `Authentication Fails, Your api key: ****${auth.slice(-4)} is invalid`
    return reply.json(401, withMessage('deepseek-error-unauthorized', reason))
  }
  const refused = refusal(body)
  if (refused) return reply.json(...refused)
  // Usage rides on the finishing chunk, `include_usage` or not (as recorded; no `choices: []` chunk).
  replyRecorded(reply, 'deepseek', body, fixtureFor(body))
}

const env = compatSuite(answerDeepSeek, 'deepseek', {
  memory: { ds: ['/v1', KEY], dsbad: ['/v1', WRONG_KEY] },
})

const hi = [user('Say hi')]
const HELLO = 'Hello! How can I help you today?'

describe('openai SDK → deepseek credential (pass-through)', () => {
  it('chat: text, usage with DeepSeek’s cache fields untouched, cache hits metered', async () => {
    const res = await env.openai.chat.completions.create({ model: 'ds/deepseek-chat', messages: hi })
    expect(res.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: HELLO } })
    expect(res.usage).toMatchObject({ prompt_tokens: 1046, prompt_cache_hit_tokens: 1024 })
    const up = env.expectUpstreamAuth(PATH, KEY)
    expect(up.body).toMatchObject({ model: 'deepseek-chat', messages: hi })
    env.expectMetered({ inputTokens: 1046, outputTokens: 10, cachedReadTokens: 1024 })
  })

  it('stream: text, usage on the finishing chunk; include_usage asked upstream', async () => {
    const { text, finish, usage } = await env.streamChat({ model: 'ds/deepseek-chat', messages: hi })
    expect({ text, finish }).toEqual({ text: HELLO, finish: 'stop' })
    expect(usage).toMatchObject({ prompt_tokens: 13, completion_tokens: 10 })
    expect(env.lastUpstream().body).toMatchObject({ stream_options: { include_usage: true } })
    env.expectMetered({ outputTokens: 10 }, { stream: true })
  })

  it('tool round trip: the SDK keeps reasoning_content on the message, so appending it replays it', async () => {
    const { choice, messages, second } = await env.chatToolRoundTrip(
      'ds/deepseek-v4-flash',
      'call_00_lCIkdHRa7AKmCG3TlxXz1061',
    )
    expect(second.choices[0]!.message.content).toBe(HELLO)
    expect(env.lastUpstream().body.messages[1]).toMatchObject({
      role: 'assistant',
      reasoning_content: expect.stringMatching(/^The user asks/),
    })
    // A client that strips the field meets DeepSeek's 400: pass-through adds nothing.
    const { reasoning_content: _r, ...stripped } = choice.message as unknown as Body
    const err = await env.failChat('ds/deepseek-v4-flash', { messages: [PARIS, stripped, messages[2]!] })
    expect(err.status).toBe(400)
    expect(err.message).toContain('must be passed back to the API')
  })

  it('streamed tool call: arguments assembled; usage and cache hits metered from the last chunk', async () => {
    await env.expectStreamedWeatherCall('ds/deepseek-v4-flash', 'call_00_IhCAliIHtM9gKpgfqbBV9873')
    env.expectMetered(
      { inputTokens: 374, outputTokens: 61, cachedReadTokens: 256, reasoningTokens: 17 },
      { stream: true },
    )
  })

  it('errors: 402, 422, json_schema 400 and 429 with DeepSeek’s reason; 401 never shows the key', async () => {
    const errors = await env.expectChatErrors([
      // Out of credit: a 402 billing_error (with a fallback target the gateway would move on).
      ['ds/deepseek-broke', 402, 'Insufficient Balance'],
      [
        'ds/deepseek-chat',
        422,
        'messages[0]: invalid type: sequence, expected a string',
        { messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
      ],
      // Quirks do not run on pass-through: a JSON-schema request meets DeepSeek's own 400.
      [
        'ds/deepseek-chat',
        400,
        'This response_format type is unavailable now',
        { response_format: { type: 'json_schema', json_schema: { name: 'a', schema: { type: 'object' } } } },
      ],
      ['ds/deepseek-limited', 429, 'exceeds your concurrency limit'],
      ['dsbad/deepseek-chat', 401, 'deepseek (credential dsbad): Authentication Fails'],
    ])
    expect(errors[0]!.error).toMatchObject({ type: 'billing_error', code: 'upstream_payment_required' })
    // DeepSeek echoes the key's last four characters ("****wxyz"); the full key never appears.
    expectNoSecrets(errors, WRONG_KEY, KEY)
  })
})

describe('anthropic SDK → deepseek credential (translated, quirks applied)', () => {
  it('text: cache hits split into cache_read_input_tokens; no thinking field unless asked', async () => {
    const msg = await env.anthropic.messages.create({
      model: 'ds/deepseek-chat',
      max_tokens: 100,
      system: 'Be brief.',
      messages: hi,
    })
    expect(msg.content).toEqual([{ type: 'text', text: HELLO }])
    expect(msg.usage).toMatchObject({ input_tokens: 22, cache_read_input_tokens: 1024, output_tokens: 10 })
    expect(env.lastUpstream().body).toEqual({
      model: 'deepseek-chat',
      max_tokens: 100,
      messages: [{ role: 'system', content: 'Be brief.' }, ...hi],
    })
    env.expectMetered({ inputTokens: 1046, cachedReadTokens: 1024 }, { endpoint: 'messages' })
  })

  it('thinking + tool_use, then the tool_result turn replays reasoning_content ("" when dropped)', async () => {
    const req = { model: 'ds/deepseek-v4-flash', max_tokens: 1024, tools: [ANTHROPIC_WEATHER_TOOL] }
    const first = await env.anthropic.messages.create({
      ...req,
      thinking: { type: 'enabled', budget_tokens: 4096 },
      messages: [PARIS],
    })
    expect(env.lastUpstream().body).toMatchObject({
      thinking: { type: 'enabled' },
      reasoning_effort: 'medium',
    })
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'tool_use'])
    const use = toolUseOf(first)
    expect(use).toMatchObject({ id: 'call_00_lCIkdHRa7AKmCG3TlxXz1061', input: { location: 'Paris' } })
    const second = await env.anthropic.messages.create({
      ...req,
      messages: withToolResult(PARIS, first.content, use.id),
    })
    expect(second.content).toEqual([{ type: 'text', text: HELLO }])
    expect(env.lastUpstream().body.messages[1]).toMatchObject({
      role: 'assistant',
      reasoning_content: expect.stringMatching(/^The user asks about the weather/),
    })
    // A client that drops thinking blocks: DeepSeek would answer 400 without the empty field.
    const third = await env.anthropic.messages.create({
      ...req,
      messages: withToolResult(PARIS, [use], use.id),
    })
    expect(third.stop_reason).toBe('end_turn')
    expect(env.lastUpstream().body.messages[1]).toMatchObject({ role: 'assistant', reasoning_content: '' })
  })

  it('structured output: JSON mode upstream with the schema in a system message, and a warning', async () => {
    const schema = { type: 'object', properties: { greeting: { type: 'string' } }, required: ['greeting'] }
    const { data: msg, response } = await env.anthropic.messages
      .create({
        model: 'ds/deepseek-chat',
        max_tokens: 100,
        messages: hi,
        // @ts-expect-error output_config is newer than this SDK's types; the SDK sends it as is.
        output_config: { format: { type: 'json_schema', schema } },
      })
      .withResponse()
    expect(msg.stop_reason).toBe('end_turn')
    const up = env.lastUpstream().body
    expect(up.response_format).toEqual({ type: 'json_object' })
    expect(up.messages.at(-1)).toEqual({
      role: 'system',
      content: `Answer with one JSON object that follows this JSON schema: ${JSON.stringify(schema)}`,
    })
    expect(response.headers.get('x-latchkey-warning')).toContain('json_schema sent as json_object')
  })

  it('streams: thinking then tool_use with cache usage; thinking then text', async () => {
    const tool = await env.streamMessagesWeather('ds/deepseek-v4-flash')
    expectThinkingThenWeather(
      tool,
      'The user asks about the weather in Paris. I should use the get_weather tool.',
      'call_00_IhCAliIHtM9gKpgfqbBV9873',
    )
    expect(tool.usage).toMatchObject({ input_tokens: 118, cache_read_input_tokens: 256, output_tokens: 61 })
    const text = await env.streamMessage({ model: 'ds/deepseek-reasoner', max_tokens: 100, messages: hi })
    expect(text.content).toEqual([
      expect.objectContaining({ type: 'thinking', thinking: 'Thinking.' }),
      expect.objectContaining({ type: 'text', text: 'Hi!' }),
    ])
    env.expectMetered({ reasoningTokens: 5 }, { stream: true })
  })

  it('errors in Anthropic shape: 429 rate_limit_error, 402 billing_error and 401 without the key', async () => {
    const [, , denied] = await env.expectMessagesErrors([
      ['ds/deepseek-limited', 429, 'rate_limit_error'],
      ['ds/deepseek-broke', 402, 'billing_error'],
      ['dsbad/deepseek-chat', 401, 'authentication_error'],
    ])
    expectNoSecrets([denied!], WRONG_KEY)
  })
})
