/**
 * LM Studio end to end through the running server: key-less credentials created with the vault
 * API point at a small fake LM Studio (node:http on 127.0.0.1) that answers /v1/chat/completions
 * with the recorded-shape fixtures of src/providers/lmstudio/__fixtures__ and validates what LM
 * Studio validates here (`response_format.type` json_schema|text only; API token when the
 * server's "Require Authentication" is on, mounted under /auth). The official `openai` SDK
 * (pass-through) and `@anthropic-ai/sdk` (translated with the lmstudio quirks) call it.
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
const views: Record<string, { statusCode: number; body: string; json(): unknown }> = {}

beforeAll(async () => {
  env = await compatE2E(answerLmStudio)
  // No key (LM Studio's default); a server requiring a token, with a wrong one and the right one.
  views.lms = await env.postCredential({
    name: 'lms',
    provider: 'lmstudio',
    baseUrl: `${env.upstream.url}/v1`,
    scope: 'org',
  })
  views.locked = await env.postCredential({
    name: 'lms-locked',
    provider: 'lmstudio',
    apiKey: WRONG_TOKEN,
    baseUrl: `${env.upstream.url}/auth/v1`,
    scope: 'org',
  })
  views.token = await env.postCredential({
    name: 'lms-token',
    provider: 'lmstudio',
    apiKey: LMS_TOKEN,
    baseUrl: `${env.upstream.url}/auth/v1`,
    scope: 'org',
  })
})
afterAll(() => env?.close())

describe('lmstudio e2e: credentials', () => {
  it('the credential API takes LM Studio credentials with and without a token; no token comes back', () => {
    for (const v of Object.values(views)) expect(v.statusCode, v.body).toBe(201)
    expect(views.lms!.json()).toMatchObject({ provider: 'lmstudio', category: 'local', last4: null })
    expect(views.token!.body).not.toContain(LMS_TOKEN)
    // 127.0.0.1 is allowed because LATCHKEY_EGRESS defaults to `open`.
    expect(env.config.egress).toBe('open')
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
      messages: [{ role: 'user', content: 'Hello' }],
      top_k: 20,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming)
    expect(res.choices[0]).toMatchObject({
      message: { content: 'Hello! How can I assist you today?' },
      finish_reason: 'stop',
    })
    expect(res.system_fingerprint).toBe('qwen2.5-7b-instruct')
    expect(res.usage).toMatchObject({ prompt_tokens: 24, completion_tokens: 10 })
    const up = env.lastUpstream()
    expect(up.path).toBe('/v1/chat/completions')
    expect(up.headers).not.toHaveProperty('authorization')
    expect(JSON.stringify(up.headers)).not.toContain(env.tokens.member)
    expect(up.body).toEqual({
      model: 'qwen2.5-7b-instruct',
      messages: [{ role: 'user', content: 'Hello' }],
      top_k: 20,
    })
    expect(env.lastEvent()).toMatchObject({ status: 'ok', usage: { inputTokens: 24, outputTokens: 10 } })
  })

  it('stream: deltas, empty finish delta, usage chunk', async () => {
    const stream = await env.openai.chat.completions.create({
      model: 'lms/qwen2.5-7b-instruct',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    const { text, finish, usage } = await readChatStream(stream)
    expect(text).toBe('Hello! How can I assist you today?')
    expect(finish).toBe('stop')
    expect(usage).toMatchObject({ prompt_tokens: 24, completion_tokens: 10 })
  })

  it('tool call: numeric-string id, no content key, round trip', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const first = await env.openai.chat.completions.create({
      model: 'lms/qwen2.5-7b-instruct',
      messages,
      tools: [TOOL],
    })
    const choice = first.choices[0]!
    expect(choice.finish_reason).toBe('tool_calls')
    const call = choice.message.tool_calls?.[0]
    if (call?.type !== 'function') throw new Error('no call')
    expect(call.id).toBe('365174485')
    expect(JSON.parse(call.function.arguments)).toEqual({ location: 'Paris' })
    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temp":18}' })
    const second = await env.openai.chat.completions.create({ model: 'lms/qwen2.5-7b-instruct', messages })
    expect(second.choices[0]?.message.content).toBe('Hello! How can I assist you today?')
  })

  it('streamed gpt-oss tool call: `reasoning` deltas passed through raw, arguments assembled', async () => {
    const stream = await env.openai.chat.completions.create({
      model: 'lms/openai/gpt-oss-20b',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [TOOL],
      stream: true,
    })
    let reasoning = ''
    let args = ''
    let finish: string | null = null
    for await (const c of stream) {
      reasoning += (c.choices[0]?.delta as { reasoning?: string } | undefined)?.reasoning ?? ''
      args += c.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? ''
      finish = c.choices[0]?.finish_reason ?? finish
    }
    expect(reasoning).toBe('User asks weather in Paris. Use get_weather.')
    expect(JSON.parse(args)).toEqual({ location: 'Paris' })
    expect(finish).toBe('tool_calls')
    expect(env.lastUpstream().body.model).toBe('openai/gpt-oss-20b')
    expect(env.lastEvent()).toMatchObject({ status: 'ok', usage: { inputTokens: 131, outputTokens: 38 } })
  })

  it('errors: json_object 400 with LM Studio reason, unknown model 404, wrong token → 401', async () => {
    const fail = (model: string, extra: Record<string, unknown> = {}) =>
      rejection(
        env.openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], ...extra }),
      )
    // Pass-through sends json_object as the client asked; the quirk applies on /v1/messages only.
    const fmt = await fail('lms/qwen2.5-7b-instruct', { response_format: { type: 'json_object' } })
    expect([fmt.status, fmt.message]).toEqual([
      400,
      expect.stringContaining("'response_format.type' must be 'json_schema' or 'text'"),
    ])
    const missing = await fail('lms/default')
    expect([missing.status, missing.message]).toEqual([
      404,
      expect.stringContaining('Model "default" not found'),
    ])
    const locked = await fail('lms-locked/qwen2.5-7b-instruct')
    expect(locked.status).toBe(401)
    expect(locked.message).toContain('lmstudio (credential lms-locked)')
    expect(JSON.stringify(locked.error)).not.toContain(WRONG_TOKEN)
    expect(env.lastUpstream().headers.authorization).toBe(`Bearer ${WRONG_TOKEN}`)
  })

  it('a credential with an LM Studio API token sends it as Bearer, and it never comes back', async () => {
    const res = await env.openai.chat.completions.create({
      model: 'lms-token/qwen2.5-7b-instruct',
      messages: [{ role: 'user', content: 'Hello' }],
    })
    expect(res.choices[0]?.message.content).toBe('Hello! How can I assist you today?')
    expect(env.lastUpstream()).toMatchObject({
      path: '/auth/v1/chat/completions',
      headers: { authorization: `Bearer ${LMS_TOKEN}` },
    })
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
        messages: [{ role: 'user', content: 'Hello' }],
        // @ts-expect-error output_config is newer than this SDK's types; the SDK sends it as is.
        output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
      })
      .withResponse()
    expect(msg.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'Hello! How can I assist you today?' }),
    ])
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
    const first = await env.anthropic.messages.create({
      model: 'lms/qwen2.5-7b-instruct',
      max_tokens: 200,
      tools: [ANTHROPIC_TOOL],
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    })
    expect(first.stop_reason).toBe('tool_use')
    expect(first.content).toEqual([
      expect.objectContaining({ type: 'tool_use', id: '365174485', input: { location: 'Paris' } }),
    ])
    const second = await env.anthropic.messages.create({
      model: 'lms/qwen2.5-7b-instruct',
      max_tokens: 200,
      tools: [ANTHROPIC_TOOL],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: '365174485', content: '18C' }] },
      ],
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
    const msg = await env.anthropic.messages
      .stream({
        model: 'lms/openai/gpt-oss-20b',
        max_tokens: 200,
        tools: [ANTHROPIC_TOOL],
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
      })
      .finalMessage()
    expect(msg.content).toEqual([
      expect.objectContaining({ type: 'thinking', thinking: 'User asks weather in Paris. Use get_weather.' }),
      expect.objectContaining({ type: 'tool_use', id: '814890118', input: { location: 'Paris' } }),
    ])
    expect(msg.stop_reason).toBe('tool_use')
    expect(msg.usage).toMatchObject({ input_tokens: 131, output_tokens: 38 })
    expect(env.lastEvent()).toMatchObject({ status: 'ok', stream: true, endpoint: 'messages' })
  })

  it('errors in Anthropic shape: 401 for the locked server names the credential', async () => {
    const e = await rejection<AnthropicAPIError>(
      env.anthropic.messages.create({
        model: 'lms-locked/qwen2.5-7b-instruct',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
      }),
    )
    expect(e).toMatchObject({
      status: 401,
      error: { type: 'error', error: { type: 'authentication_error' } },
    })
    const body = JSON.stringify(e.error)
    expect(body).toContain('lms-locked')
    expect(body).not.toContain(WRONG_TOKEN)
  })
})
