/**
 * The official `@anthropic-ai/sdk`, unchanged, against POST /v1/messages served by every kind:
 * native pass-through (anthropic, Vertex Claude) and translation (OpenAI-compatible, Gemini,
 * Bedrock, DeepSeek, MiniMax): text, tools, structured output, streaming, count_tokens, errors.
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clearVertexTokenCache } from '../../src/providers/vertex/vertex-auth.js'
import {
  expectMessagesErrors,
  expectNoSecrets,
  PARIS,
  streamMessage,
  toolUseOf,
  user,
  withToolResult,
} from './compat-e2e-helpers.js'
import {
  ALL_SECRETS,
  ANSWER_SCHEMA,
  ANTHROPIC_WEATHER_TOOL,
  type ProviderTestEnv,
  providerEnv,
} from './provider-env.js'

let env: ProviderTestEnv
let client: Anthropic
beforeAll(async () => {
  clearVertexTokenCache()
  env = await providerEnv()
  client = new Anthropic({ baseURL: env.url, apiKey: env.tokens.member, maxRetries: 0 })
})
afterAll(async () => {
  await env?.close()
})

/** POST /v1/messages as a raw client would: the member's key (or `key`), anthropic-version, `headers`. */
function postMessages(body: unknown, headers: Record<string, string> = {}, key = env.tokens.member) {
  return fetch(`${env.url}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': key,
      'anthropic-version': '2023-06-01',
      ...headers,
    },
    body: JSON.stringify(body),
  })
}

const MODELS = [
  'anth/claude-sonnet-4-5',
  'vtx/claude-sonnet-4-5@20250929',
  'compat/llama-3.3-70b',
  'gem/gemini-2.5-flash',
  'aws/us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  'aws/amazon.nova-pro-v1:0',
  'az/gpt-4o',
  'vtx/gemini-2.5-flash',
]

describe.each(MODELS)('anthropic SDK → %s', (model) => {
  it('text: content, stop reason, usage, model echoed', async () => {
    const msg = await client.messages.create({
      model,
      max_tokens: 200,
      system: 'Be brief.',
      messages: [user('Say hi')],
    })
    expect(msg.type).toBe('message')
    expect(msg.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello, world!' })])
    expect(msg.stop_reason).toBe('end_turn')
    expect(msg.usage.output_tokens).toBe(9)
    expect(msg.usage.input_tokens).toBeGreaterThan(0)
    expect(env.events().at(-1)).toMatchObject({ status: 'ok', endpoint: 'messages', requestedModel: model })
  })

  it('tools: tool_use block, then the answer after tool_result', async () => {
    const req = { model, max_tokens: 200, tools: [ANTHROPIC_WEATHER_TOOL] }
    const first = await client.messages.create({ ...req, messages: [PARIS] })
    const use = toolUseOf(first)
    expect(use.name).toBe('get_weather')
    expect(use.input).toMatchObject({ location: 'Paris' })
    const second = await client.messages.create({
      ...req,
      messages: withToolResult(PARIS, first.content, use.id),
    })
    expect(second.content.find((b) => b.type === 'text')).toMatchObject({ text: 'It is 18C in Paris.' })
  })

  it('structured output (output_config.format json_schema) returns JSON with the schema keys', async () => {
    const msg = await client.messages.create({
      model,
      max_tokens: 200,
      messages: [user('Weather as JSON')],
      // @ts-expect-error output_config is newer than this SDK's types; the SDK sends it as is.
      output_config: { format: { type: 'json_schema', schema: ANSWER_SCHEMA } },
    })
    const text = msg.content.find((b) => b.type === 'text')
    if (text?.type !== 'text') throw new Error('no text')
    expect(Object.keys(JSON.parse(text.text)).sort()).toEqual(['city', 'sunny', 'temperature'])
  })

  it('streaming text and streaming tool use assemble in the SDK', async () => {
    const text = await streamMessage(
      { anthropic: client },
      { model, max_tokens: 100, messages: [user('Say hi')] },
    )
    expect(text.content.find((b) => b.type === 'text')).toMatchObject({ text: 'Hello, world!' })
    expect(text.stop_reason).toBe('end_turn')
    expect(text.usage.output_tokens).toBe(9)
    const tool = await streamMessage(
      { anthropic: client },
      { model, max_tokens: 100, tools: [ANTHROPIC_WEATHER_TOOL], messages: [user('Weather?')] },
    )
    expect(toolUseOf(tool)).toMatchObject({ name: 'get_weather', input: { location: 'Paris' } })
    expect(env.events().at(-1)).toMatchObject({ status: 'ok', stream: true, endpoint: 'messages' })
  })
})

describe('/v1/messages specifics', () => {
  it('anthropic credentials get the body untouched (only model swapped) and the answer untouched', async () => {
    const body = {
      model: 'anth/claude-sonnet-4-5',
      max_tokens: 50,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] },
      ],
      metadata: { user_id: 'u-1' },
      some_future_field: { keep: true },
    }
    const res = await postMessages(body, { 'anthropic-beta': 'beta-x' })
    expect(res.status).toBe(200)
    const json = await res.json()
    expect(json).toMatchObject({
      id: 'msg_fake_01',
      model: 'claude-sonnet-4-5',
      usage: { cache_read_input_tokens: 4 },
    })
    const up = env.fakes.requests.filter((r) => r.path === '/anthropic/v1/messages').at(-1)!
    expect(up.body).toEqual({ ...body, model: 'claude-sonnet-4-5' })
    expect(up.headers['anthropic-beta']).toBe('beta-x')
    expect(up.headers['x-api-key']).not.toBe(env.tokens.member)
  })

  it.each([false, true])(
    'Claude on Bedrock gets the Anthropic body through InvokeModel (anthropic_version, beta list), stream %s',
    async (stream) => {
      const body = {
        model: 'aws/us.anthropic.claude-sonnet-4-5-20250929-v1:0',
        max_tokens: 30,
        messages: [{ role: 'user', content: 'hi' }],
        future_field: 1,
      }
      const res = await postMessages({ ...body, stream }, { 'anthropic-beta': 'a-1,b-2' })
      expect(res.status).toBe(200)
      const text = await res.text()
      expect(text).toContain(stream ? 'event: message_stop' : '"id":"msg_fake_01"')
      const up = env.fakes.requests.filter((r) => r.path.includes('/invoke')).at(-1)!
      expect(up.path).toMatch(stream ? /invoke-with-response-stream$/ : /invoke$/)
      expect(up.body).toEqual({
        max_tokens: 30,
        messages: body.messages,
        future_field: 1,
        anthropic_version: 'bedrock-2023-05-31',
        anthropic_beta: ['a-1', 'b-2'],
      })
    },
  )

  it.each(['ds/deepseek-reasoner', 'mm/minimax-m2'])(
    'DeepSeek reasoning_content and MiniMax <think> become thinking blocks (stream and not): %s',
    async (model) => {
      const req = { model, max_tokens: 100, messages: [user('Hi')] }
      const msg = await client.messages.create(req)
      expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text'])
      expect(msg.content[0]).toMatchObject({ thinking: 'Thinking it over.' })
      expect(msg.content[1]).toMatchObject({ text: 'Hello, world!' })
      const streamed = await streamMessage({ anthropic: client }, req)
      expect(streamed.content).toEqual([
        expect.objectContaining({ type: 'thinking', thinking: 'Thinking it over.' }),
        expect.objectContaining({ type: 'text', text: 'Hello, world!' }),
      ])
    },
  )

  it('count_tokens for Anthropic and Vertex Claude credentials; 400 for others', async () => {
    const messages = [user('Hello')]
    for (const model of ['anth/claude-sonnet-4-5', 'vtx/claude-sonnet-4-5'])
      expect(await client.messages.countTokens({ model, messages })).toEqual({ input_tokens: 42 })
    await expect(
      client.messages.countTokens({ model: 'gem/gemini-2.5-flash', messages }),
    ).rejects.toMatchObject({
      status: 400,
    })
  })

  it('errors come back in Anthropic shape with the right status, no secrets', async () => {
    const errors = await expectMessagesErrors({ anthropic: client }, [
      ['anth/claude-overloaded', 503, 'overloaded_error'],
      ['gem/gemini-limited', 429, 'rate_limit_error'],
    ])
    const limited = errors[1]!
    expect(
      limited.headers?.get?.('retry-after') ??
        (limited.headers as unknown as Record<string, string>)['retry-after'],
    ).toBe('12')
    const bad = await client.messages
      .create({ model: 'anth/claude-sonnet-4-5', messages: [user('x')] } as never)
      .catch((e: InstanceType<typeof Anthropic.APIError>) => e)
    expect(bad).toMatchObject({
      status: 400,
      error: { type: 'error', error: { type: 'invalid_request_error' } },
    })
    expectNoSecrets(errors, ...ALL_SECRETS)
  })

  it('a translated stream that breaks ends with an Anthropic error event', async () => {
    const stream = client.messages.stream({
      model: 'gem/gemini-cut',
      max_tokens: 10,
      messages: [user('x')],
    })
    await expect(stream.finalMessage()).rejects.toThrow()
  })

  it('missing or wrong x-api-key → 401 in Anthropic shape', async () => {
    const res = await postMessages({ model: 'anth/x', max_tokens: 5, messages: [] }, {}, 'lk_wrong')
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
  })
})
