/**
 * LM Studio end to end through the running server: key-less credentials created with the vault
 * API point at a small fake LM Studio (node:http on 127.0.0.1) that answers /v1/chat/completions
 * with the recorded-shape fixtures of src/providers/lmstudio/__fixtures__ and validates what LM
 * Studio validates here (`response_format.type` json_schema|text only; API token when the
 * server's "Require Authentication" is on, mounted under /auth). The official `openai` SDK
 * (pass-through) and `@anthropic-ai/sdk` (translated with the lmstudio quirks) call it.
 */
import type OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import {
  compatSuite,
  expectNoSecrets,
  expectThinkingThenWeather,
  joinDeltas,
  PARIS,
  type Reply,
  streamChunks,
  toolUseOf,
  type UpstreamRequest,
  user,
  withToolResult,
} from './compat-e2e-helpers.js'
import { loadJson } from './fixture-helpers.js'
import { ANTHROPIC_WEATHER_TOOL, WEATHER_TOOL } from './provider-env.js'

const LMS_TOKEN = 'sk-lm-e2eToken:0123456789abcdefXYZ'
const WRONG_TOKEN = 'sk-lm-e2eWrong:9876543210zyxwvuTS'

const fixture = (name: string) => loadJson('lmstudio', name)

function answerLmStudio({ method, path, headers, body }: UpstreamRequest, reply: Reply) {
  if (method !== 'POST' || !/^(\/auth)?\/v1\/chat\/completions$/.test(path))
    return reply.json(200, { error: `Unexpected endpoint or method. (${method} ${path})` })
  // The recorded body is for a missing token; the text for a wrong one is not confirmed.
  if (path.startsWith('/auth') && headers.authorization !== `Bearer ${LMS_TOKEN}`)
    return reply.json(401, fixture('lmstudio-error-401-token'))
  const type = body.response_format?.type
  if (type !== undefined && type !== 'json_schema' && type !== 'text')
    return reply.json(400, fixture('lmstudio-error-400-response-format'))
  if (body.model === 'default') return reply.json(404, fixture('lmstudio-error-404-model'))
  const messages = body.messages as Record<string, unknown>[]
  const toolTurn = Array.isArray(body.tools) && messages.at(-1)?.role === 'user'
  if (body.stream)
    return reply.sse(
      streamChunks('lmstudio', toolTurn ? 'lmstudio-gpt-oss-tool-call' : 'lmstudio-text', body),
    )
  reply.json(200, fixture(toolTurn ? 'lmstudio-tool-call' : 'lmstudio-text'))
}

const HELLO = 'Hello! How can I assist you today?'

// No token (LM Studio's default); a server requiring a token, with a wrong one and the right one.
const env = compatSuite(answerLmStudio, 'lmstudio', {
  api: { lms: ['/v1'], 'lms-locked': ['/auth/v1', WRONG_TOKEN], 'lms-token': ['/auth/v1', LMS_TOKEN] },
})

describe('lmstudio e2e: credentials', () => {
  it('the credential API takes LM Studio credentials with and without a token; no token comes back', () => {
    env.expectStoredCredentials({ provider: 'lmstudio', category: 'local' })
  })

  // Key-less credentials all fingerprint the empty secret: they must not count as duplicates.
  it('a second key-less LM Studio credential (another server) can be stored', async () => {
    const res = await env.postCredential({
      name: 'lms-2',
      provider: 'lmstudio',
      baseUrl: 'http://127.0.0.2:1234/v1',
      scope: 'org',
    })
    expect(res.statusCode, res.body).toBe(201)
  })
})

describe('lmstudio e2e: openai SDK (pass-through)', () => {
  it('text: content, finish, usage; no Authorization for a key-less credential', async () => {
    const res = await env.openai.chat.completions.create({
      model: 'lms/qwen2.5-7b-instruct',
      messages: [user('Hello')],
      top_k: 20,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming)
    expect(res.choices[0]).toMatchObject({ message: { content: HELLO }, finish_reason: 'stop' })
    expect(res.system_fingerprint).toBe('qwen2.5-7b-instruct')
    expect(res.usage).toMatchObject({ prompt_tokens: 24, completion_tokens: 10 })
    const up = env.expectUpstreamAuth('/v1/chat/completions')
    expect(up.body).toEqual({ model: 'qwen2.5-7b-instruct', messages: [user('Hello')], top_k: 20 })
    env.expectMetered({ inputTokens: 24, outputTokens: 10 })
  })

  it('stream: deltas, empty finish delta, usage chunk', async () => {
    const { text, finish, usage } = await env.streamChat({
      model: 'lms/qwen2.5-7b-instruct',
      messages: [user('Hello')],
      stream_options: { include_usage: true },
    })
    expect({ text, finish }).toEqual({ text: HELLO, finish: 'stop' })
    expect(usage).toMatchObject({ prompt_tokens: 24, completion_tokens: 10 })
  })

  it('tool call: numeric-string id, no content key, round trip', async () => {
    const { second } = await env.chatToolRoundTrip('lms/qwen2.5-7b-instruct', '365174485')
    expect(second.choices[0]?.message.content).toBe(HELLO)
  })

  it('streamed gpt-oss tool call: `reasoning` deltas passed through raw, arguments assembled', async () => {
    const { chunks, finish } = await env.streamChat({
      model: 'lms/openai/gpt-oss-20b',
      messages: [PARIS],
      tools: [WEATHER_TOOL],
    })
    expect(joinDeltas(chunks, 'reasoning')).toBe('User asks weather in Paris. Use get_weather.')
    const args = chunks.map((c) => c.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '').join('')
    expect(JSON.parse(args)).toEqual({ location: 'Paris' })
    expect(finish).toBe('tool_calls')
    expect(env.lastUpstream().body.model).toBe('openai/gpt-oss-20b')
    env.expectMetered({ inputTokens: 131, outputTokens: 38 })
  })

  it('errors: json_object 400 with LM Studio reason, unknown model 404, wrong token → 401', async () => {
    // Pass-through sends json_object as the client asked; the quirk applies on /v1/messages only.
    const errors = await env.expectChatErrors([
      [
        'lms/qwen2.5-7b-instruct',
        400,
        "'response_format.type' must be 'json_schema' or 'text'",
        { response_format: { type: 'json_object' } },
      ],
      ['lms/default', 404, 'Model "default" not found'],
      ['lms-locked/qwen2.5-7b-instruct', 401, 'lmstudio (credential lms-locked)'],
    ])
    expectNoSecrets(errors, WRONG_TOKEN, LMS_TOKEN)
    expect(env.lastUpstream().headers.authorization).toBe(`Bearer ${WRONG_TOKEN}`)
  })

  it('a credential with an LM Studio API token sends it as Bearer, and it never comes back', async () => {
    const res = await env.openai.chat.completions.create({
      model: 'lms-token/qwen2.5-7b-instruct',
      messages: [user('Hello')],
    })
    expect(res.choices[0]?.message.content).toBe(HELLO)
    env.expectUpstreamAuth('/auth/v1/chat/completions', LMS_TOKEN)
    expect(JSON.stringify(res)).not.toContain(LMS_TOKEN)
  })
})

describe('lmstudio e2e: anthropic SDK (translated)', () => {
  it('text; top_k kept for LM Studio (no warning); structured output as json_schema', async () => {
    const { data: msg, response } = await env.anthropic.messages
      .create({
        model: 'lms/qwen2.5-7b-instruct',
        max_tokens: 100,
        top_k: 20,
        messages: [user('Hello')],
        // @ts-expect-error output_config is newer than this SDK's types; the SDK sends it as is.
        output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
      })
      .withResponse()
    expect(msg.content).toEqual([expect.objectContaining({ type: 'text', text: HELLO })])
    expect(msg.stop_reason).toBe('end_turn')
    expect(msg.usage).toMatchObject({ input_tokens: 24, output_tokens: 10 })
    expect(response.headers.get('x-latchkey-warning')).toBeNull()
    expect(env.lastUpstream().body).toMatchObject({
      model: 'qwen2.5-7b-instruct',
      top_k: 20,
      response_format: { type: 'json_schema', json_schema: { name: 'output', schema: { type: 'object' } } },
    })
    expect(env.lastUpstream().headers).not.toHaveProperty('authorization')
  })

  it('tool_use with the numeric id, then the tool_result turn', async () => {
    const req = { model: 'lms/qwen2.5-7b-instruct', max_tokens: 200, tools: [ANTHROPIC_WEATHER_TOOL] }
    const first = await env.anthropic.messages.create({ ...req, messages: [PARIS] })
    expect(toolUseOf(first)).toMatchObject({ id: '365174485', input: { location: 'Paris' } })
    expect(first.content).toEqual([expect.objectContaining({ type: 'tool_use' })])
    const second = await env.anthropic.messages.create({
      ...req,
      messages: withToolResult(PARIS, first.content, '365174485'),
    })
    expect(second.content).toEqual([expect.objectContaining({ type: 'text' })])
    expect(env.lastUpstream().body.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: '365174485',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: '365174485', content: '18C' },
    ])
  })

  it('stream: gpt-oss `reasoning` becomes a thinking block before the tool_use', async () => {
    const msg = await env.streamMessagesWeather('lms/openai/gpt-oss-20b', { max_tokens: 200 })
    expectThinkingThenWeather(msg, 'User asks weather in Paris. Use get_weather.', '814890118')
    expect(msg.usage).toMatchObject({ input_tokens: 131, output_tokens: 38 })
    expect(env.lastEvent()).toMatchObject({ status: 'ok', stream: true, endpoint: 'messages' })
  })

  it('errors in Anthropic shape: 401 for the locked server names the credential', async () => {
    const [e] = await env.expectMessagesErrors([
      ['lms-locked/qwen2.5-7b-instruct', 401, 'authentication_error'],
    ])
    expect(JSON.stringify(e!.error)).toContain('lms-locked')
    expectNoSecrets([e!], WRONG_TOKEN)
  })
})
