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
  const name = fixtureFor(body)
  if (body.stream !== true) return reply.json(200, loadJson('deepseek', name))
  // Usage rides on the finishing chunk, `include_usage` or not (as recorded; no `choices: []` chunk).
  reply.sse(loadChunks('deepseek', name))
}

/** One weather tool, in each SDK's shape. */
const SCHEMA = {
  type: 'object' as const,
  properties: { location: { type: 'string' } },
  required: ['location'],
}
const TOOL = { name: 'get_weather', input_schema: SCHEMA }
const WEATHER = { type: 'function' as const, function: { name: TOOL.name, parameters: SCHEMA } }

let env: CompatE2E
beforeAll(async () => {
  env = await compatE2E(answerDeepSeek, {
    creds: (url) => [
      credential('ds', `${url}/v1`, { provider: 'deepseek', apiKey: KEY }),
      credential('dsbad', `${url}/v1`, { provider: 'deepseek', apiKey: WRONG_KEY }),
    ],
  })
})
afterAll(() => env?.close())
beforeEach(() => {
  env.upstream.requests.length = 0
})

const hi = [{ role: 'user' as const, content: 'Say hi' }]
const paris = { role: 'user' as const, content: 'Weather in Paris?' }

describe('openai SDK → deepseek credential (pass-through)', () => {
  it('chat: text, usage with DeepSeek’s cache fields untouched, cache hits metered', async () => {
    const res = await env.openai.chat.completions.create({ model: 'ds/deepseek-chat', messages: hi })
    expect(res.choices[0]).toMatchObject({
      finish_reason: 'stop',
      message: { content: 'Hello! How can I help you today?' },
    })
    expect(res.usage).toMatchObject({ prompt_tokens: 1046, prompt_cache_hit_tokens: 1024 })
    expect(env.lastUpstream()).toMatchObject({
      path: PATH,
      headers: { authorization: `Bearer ${KEY}` },
      body: { model: 'deepseek-chat', messages: hi },
    })
    expect(env.lastEvent()).toMatchObject({
      status: 'ok',
      usage: { inputTokens: 1046, outputTokens: 10, cachedReadTokens: 1024 },
    })
  })

  it('stream: text, usage on the finishing chunk; include_usage asked upstream', async () => {
    const stream = await env.openai.chat.completions.create({
      model: 'ds/deepseek-chat',
      messages: hi,
      stream: true,
    })
    const { text, finish, usage } = await readChatStream(stream)
    expect({ text, finish }).toEqual({ text: 'Hello! How can I help you today?', finish: 'stop' })
    expect(usage).toMatchObject({ prompt_tokens: 13, completion_tokens: 10 })
    expect(env.lastUpstream().body).toMatchObject({ stream_options: { include_usage: true } })
    expect(env.lastEvent()).toMatchObject({ status: 'ok', stream: true, usage: { outputTokens: 10 } })
  })

  it('tool round trip: the SDK keeps reasoning_content on the message, so appending it replays it', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [paris]
    const first = await env.openai.chat.completions.create({
      model: 'ds/deepseek-v4-flash',
      messages,
      tools: [WEATHER],
    })
    const choice = first.choices[0]!
    expect(choice.finish_reason).toBe('tool_calls')
    const call = choice.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall
    expect(call).toMatchObject({ id: 'call_00_lCIkdHRa7AKmCG3TlxXz1061', function: { name: 'get_weather' } })
    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temp":18}' })
    const second = await env.openai.chat.completions.create({ model: 'ds/deepseek-v4-flash', messages })
    expect(second.choices[0]!.message.content).toBe('Hello! How can I help you today?')
    expect(env.lastUpstream().body.messages[1]).toMatchObject({
      role: 'assistant',
      reasoning_content: expect.stringMatching(/^The user asks/),
    })
    // A client that strips the field meets DeepSeek's 400: pass-through adds nothing.
    const { reasoning_content: _r, ...stripped } = choice.message as unknown as Body
    const err = await rejection(
      env.openai.chat.completions.create({
        model: 'ds/deepseek-v4-flash',
        messages: [paris, stripped as OpenAI.ChatCompletionMessageParam, messages[2]!],
      }),
    )
    expect(err.status).toBe(400)
    expect(err.message).toContain('must be passed back to the API')
  })

  it('streamed tool call: arguments assembled; usage and cache hits metered from the last chunk', async () => {
    const final = await env.openai.chat.completions
      .stream({ model: 'ds/deepseek-v4-flash', messages: [paris], tools: [WEATHER] })
      .finalChatCompletion()
    const call = final.choices[0]!.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall
    expect(call.id).toBe('call_00_IhCAliIHtM9gKpgfqbBV9873')
    expect(JSON.parse(call.function.arguments)).toEqual({ location: 'Paris' })
    expect(env.lastEvent()).toMatchObject({
      status: 'ok',
      stream: true,
      usage: { inputTokens: 374, outputTokens: 61, cachedReadTokens: 256, reasoningTokens: 17 },
    })
  })

  it('errors: 402, 422, json_schema 400 and 429 with DeepSeek’s reason; 401 never shows the key', async () => {
    const fail = (model: string, extra: Body = {}) =>
      rejection(env.openai.chat.completions.create({ model, messages: hi, ...extra }))
    const broke = await fail('ds/deepseek-broke')
    // Out of credit: a 402 billing_error (with a fallback target the gateway would move on).
    expect(broke.status).toBe(402)
    expect(broke.error).toMatchObject({ type: 'billing_error', code: 'upstream_payment_required' })
    expect(broke.message).toContain('Insufficient Balance')
    const parts = await fail('ds/deepseek-chat', {
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    })
    expect(parts.status).toBe(422)
    expect(parts.message).toContain('messages[0]: invalid type: sequence, expected a string')
    // Quirks do not run on pass-through: a JSON-schema request meets DeepSeek's own 400.
    const schema = await fail('ds/deepseek-chat', {
      response_format: { type: 'json_schema', json_schema: { name: 'a', schema: { type: 'object' } } },
    })
    expect(schema.status).toBe(400)
    expect(schema.message).toContain('This response_format type is unavailable now')
    const limited = await fail('ds/deepseek-limited')
    expect(limited.status).toBe(429)
    expect(limited.message).toContain('exceeds your concurrency limit')
    const denied = await fail('dsbad/deepseek-chat')
    expect(denied.status).toBe(401)
    expect(denied.message).toContain('deepseek (credential dsbad): Authentication Fails')
    // DeepSeek echoes the key's last four characters ("****wxyz"); the full key never appears.
    for (const e of [broke, parts, schema, limited, denied]) {
      expect(JSON.stringify(e.error)).not.toContain(WRONG_KEY)
      expect(JSON.stringify(e.error)).not.toContain(KEY)
    }
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
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello! How can I help you today?' }])
    expect(msg.usage).toMatchObject({ input_tokens: 22, cache_read_input_tokens: 1024, output_tokens: 10 })
    expect(env.lastUpstream().body).toEqual({
      model: 'deepseek-chat',
      max_tokens: 100,
      messages: [{ role: 'system', content: 'Be brief.' }, ...hi],
    })
    expect(env.lastEvent()).toMatchObject({
      status: 'ok',
      endpoint: 'messages',
      usage: { inputTokens: 1046, cachedReadTokens: 1024 },
    })
  })

  it('thinking + tool_use, then the tool_result turn replays reasoning_content ("" when dropped)', async () => {
    const first = await env.anthropic.messages.create({
      model: 'ds/deepseek-v4-flash',
      max_tokens: 1024,
      thinking: { type: 'enabled', budget_tokens: 4096 },
      tools: [TOOL],
      messages: [paris],
    })
    expect(env.lastUpstream().body).toMatchObject({
      thinking: { type: 'enabled' },
      reasoning_effort: 'medium',
    })
    expect(first.stop_reason).toBe('tool_use')
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'tool_use'])
    const use = first.content[1]
    if (use?.type !== 'tool_use') throw new Error('no tool_use')
    expect(use).toMatchObject({ id: 'call_00_lCIkdHRa7AKmCG3TlxXz1061', input: { location: 'Paris' } })
    const result = {
      role: 'user' as const,
      content: [{ type: 'tool_result' as const, tool_use_id: use.id, content: '18C' }],
    }
    const second = await env.anthropic.messages.create({
      model: 'ds/deepseek-v4-flash',
      max_tokens: 1024,
      tools: [TOOL],
      messages: [paris, { role: 'assistant', content: first.content }, result],
    })
    expect(second.content).toEqual([{ type: 'text', text: 'Hello! How can I help you today?' }])
    expect(env.lastUpstream().body.messages[1]).toMatchObject({
      role: 'assistant',
      reasoning_content: expect.stringMatching(/^The user asks about the weather/),
    })
    // A client that drops thinking blocks: DeepSeek would answer 400 without the empty field.
    const third = await env.anthropic.messages.create({
      model: 'ds/deepseek-v4-flash',
      max_tokens: 1024,
      tools: [TOOL],
      messages: [paris, { role: 'assistant', content: [use] }, result],
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
    const tool = await env.anthropic.messages
      .stream({ model: 'ds/deepseek-v4-flash', max_tokens: 1024, tools: [TOOL], messages: [paris] })
      .finalMessage()
    expect(tool.content).toEqual([
      expect.objectContaining({
        type: 'thinking',
        thinking: 'The user asks about the weather in Paris. I should use the get_weather tool.',
      }),
      {
        type: 'tool_use',
        id: 'call_00_IhCAliIHtM9gKpgfqbBV9873',
        name: 'get_weather',
        input: { location: 'Paris' },
      },
    ])
    expect(tool.usage).toMatchObject({ input_tokens: 118, cache_read_input_tokens: 256, output_tokens: 61 })
    const text = await env.anthropic.messages
      .stream({ model: 'ds/deepseek-reasoner', max_tokens: 100, messages: hi })
      .finalMessage()
    expect(text.content).toEqual([
      expect.objectContaining({ type: 'thinking', thinking: 'Thinking.' }),
      expect.objectContaining({ type: 'text', text: 'Hi!' }),
    ])
    expect(env.lastEvent()).toMatchObject({ status: 'ok', stream: true, usage: { reasoningTokens: 5 } })
  })

  it('errors in Anthropic shape: 429 rate_limit_error, 402 billing_error and 401 without the key', async () => {
    const fail = (model: string) =>
      rejection<AnthropicAPIError>(
        env.anthropic.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      )
    const limited = await fail('ds/deepseek-limited')
    expect(limited.status).toBe(429)
    expect(limited.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })
    const broke = await fail('ds/deepseek-broke')
    expect(broke.status).toBe(402)
    expect(broke.error).toMatchObject({ error: { type: 'billing_error' } })
    const denied = await fail('dsbad/deepseek-chat')
    expect(denied.status).toBe(401)
    expect(denied.error).toMatchObject({ error: { type: 'authentication_error' } })
    expect(JSON.stringify(denied.error)).not.toContain(WRONG_KEY)
  })
})
