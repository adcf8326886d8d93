/**
 * The official `openai` SDK, unchanged, against credentials of every translated kind:
 * text, tools (call + result round trip), structured output and streaming with usage.
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clearVertexTokenCache } from '../../src/providers/vertex/vertex-auth.js'
import { expectNoSecrets, failChat, PARIS, streamChat, toolReply, user } from './compat-e2e-helpers.js'
import {
  ALL_SECRETS,
  ANSWER_SCHEMA,
  type ProviderTestEnv,
  providerEnv,
  WEATHER_TOOL,
} from './provider-env.js'

const MODELS = [
  'anth/claude-sonnet-4-5',
  'gem/gemini-2.5-flash',
  'aws/us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  'vtx/gemini-2.5-flash',
  'vtx/claude-sonnet-4-5@20250929',
  'az/gpt-4o',
]

let env: ProviderTestEnv
let client: OpenAI
beforeAll(async () => {
  clearVertexTokenCache()
  env = await providerEnv()
  client = new OpenAI({ baseURL: `${env.url}/v1`, apiKey: env.tokens.member, maxRetries: 0 })
})
afterAll(async () => {
  await env?.close()
})

describe.each(MODELS)('openai SDK → %s', (model) => {
  it('text: content, finish reason, usage with cache counts, metering', async () => {
    const res = await client.chat.completions.create({
      model,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hi' },
      ],
      max_tokens: 100,
    })
    expect(res.object).toBe('chat.completion')
    expect(res.choices[0]?.message.content).toBe('Hello, world!')
    expect(res.choices[0]?.finish_reason).toBe('stop')
    expect(res.usage?.completion_tokens).toBe(9)
    expect(res.usage?.prompt_tokens).toBeGreaterThanOrEqual(25)
    const ev = env.events().at(-1)!
    expect(ev).toMatchObject({ status: 'ok', requestedModel: model })
    expect(ev.usage?.outputTokens).toBe(9)
  })

  it('tools: a tool call, then the answer after the tool result', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [PARIS]
    const first = await client.chat.completions.create({
      model,
      messages,
      tools: [WEATHER_TOOL],
      tool_choice: 'auto',
    })
    const choice = first.choices[0]!
    expect(choice.finish_reason).toBe('tool_calls')
    const call = choice.message.tool_calls?.[0]
    expect(call?.type).toBe('function')
    if (call?.type !== 'function') throw new Error('no call')
    expect(call.function.name).toBe('get_weather')
    expect(JSON.parse(call.function.arguments)).toMatchObject({ location: 'Paris' })
    expect(call.id).toBeTruthy()
    messages.push(choice.message, toolReply(call.id))
    const second = await client.chat.completions.create({ model, messages, tools: [WEATHER_TOOL] })
    expect(second.choices[0]?.message.content).toBe('It is 18C in Paris.')
    expect(second.choices[0]?.finish_reason).toBe('stop')
  })

  it('structured output: json_schema answer has the schema keys', async () => {
    const res = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Weather as JSON' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: ANSWER_SCHEMA, strict: true },
      },
    })
    const json = JSON.parse(res.choices[0]?.message.content ?? '')
    expect(Object.keys(json).sort()).toEqual(['city', 'sunny', 'temperature'])
    expect(res.choices[0]?.finish_reason).toBe('stop')
  })

  it('streaming text with include_usage: deltas, finish, usage chunk', async () => {
    const { text, finish, usage } = await streamChat(
      { openai: client },
      { model, messages: [user('Say hi')], stream_options: { include_usage: true } },
    )
    expect(text).toBe('Hello, world!')
    expect(finish).toBe('stop')
    expect(usage?.completion_tokens).toBe(9)
  })

  it('streaming tool call: id and name first, arguments assembled from deltas', async () => {
    const stream = client.chat.completions.stream({
      model,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [WEATHER_TOOL],
    })
    const final = await stream.finalChatCompletion()
    const call = final.choices[0]?.message.tool_calls?.[0]
    if (call?.type !== 'function') throw new Error('no call')
    expect(call.function.name).toBe('get_weather')
    expect(JSON.parse(call.function.arguments)).toMatchObject({ location: 'Paris' })
    expect(final.choices[0]?.finish_reason).toBe('tool_calls')
    const ev = env.events().at(-1)!
    expect(ev).toMatchObject({ status: 'ok', stream: true })
  })
})

describe('provider specifics through the openai SDK', () => {
  it('Bedrock requests are SigV4-signed (verified independently by the fake) with the model id encoded', () => {
    const r = env.fakes.requests.find((x) => x.path.startsWith('/bedrock/model/'))!
    expect(r.path).toContain('us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse')
    expect(String(r.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-central-1\/bedrock\//,
    )
  })
  it('Vertex minted one OAuth token from the service account and reused it', () => {
    expect(env.fakes.tokenRequests).toBe(1)
    const claude = env.fakes.requests.find((x) => x.path.includes('/publishers/anthropic/'))!
    expect(claude.path).toMatch(
      /\/vertex\/v1\/projects\/fake-project\/locations\/us-east5\/publishers\/anthropic\/models\/claude-sonnet-4-5%4020250929:rawPredict|streamRawPredict/,
    )
  })
  it('Azure routes by deployment with api-version and api-key', () => {
    const r = env.fakes.requests.find((x) => x.path.startsWith('/azure/'))!
    expect(r.path).toMatch(
      /^\/azure\/openai\/deployments\/prod-gpt4o\/chat\/completions\?api-version=\d{4}-\d{2}-\d{2}$/,
    )
  })
  it('no Latchkey token and no provider secret ever reach a response or the wrong upstream', () => {
    for (const r of env.fakes.requests) expect(JSON.stringify(r)).not.toContain(env.tokens.member)
  })
  it('embeddings through gemini, bedrock (Titan) and azure', async () => {
    const g = await client.embeddings.create({
      model: 'gem/text-embedding-004',
      input: ['a', 'b'],
      dimensions: 2,
    })
    expect(g.data.map((d) => d.embedding.length)).toEqual([2, 2])
    const b = await client.embeddings.create({
      model: 'aws/amazon.titan-embed-text-v2:0',
      input: 'hello',
      encoding_format: 'float',
    })
    expect(b.data[0]?.embedding).toEqual([0.1, 0.2, 0.3])
    const a = await client.embeddings.create({ model: 'az/gpt-4o', input: 'hello', encoding_format: 'float' })
    expect(a.data[0]?.embedding).toEqual([0.5, 0.25])
  })
  it('upstream errors map to the caller protocol: 429 + retry-after, overloaded → 503, context → 400, bad key → 401', async () => {
    const err = (model: string) => failChat({ openai: client }, model)
    const limited = await err('gem/gemini-limited')
    expect(limited.status).toBe(429)
    expect(limited.headers?.get('retry-after')).toBe('12')
    const over = await err('anth/claude-overloaded')
    expect(over.status).toBe(503)
    const long = await err('anth/claude-long')
    expect([long.status, long.message]).toEqual([400, expect.stringContaining('prompt is too long')])
    const garbage = await err('anth/claude-garbage')
    expect(garbage.status).toBe(502)
    expectNoSecrets([limited, over, long, garbage], ...ALL_SECRETS)
  })
  it('a stream cut mid-way or failing after the 200 ends with an error, never a clean finish', async () => {
    for (const model of [
      'anth/claude-cut',
      'anth/claude-midstream-error',
      'gem/gemini-cut',
      'aws/anthropic.claude-throttled-midstream',
    ]) {
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'x' }],
        stream: true,
      })
      let failed = false
      let finish: string | null = null
      try {
        for await (const c of stream) finish = c.choices[0]?.finish_reason ?? finish
      } catch {
        failed = true
      }
      expect({ model, failed, finish }).toEqual({ model, failed: true, finish: null })
    }
  })
})

describe('openai SDK → azure-openai /v1/responses (same wire: relayed, not translated)', () => {
  it('non-streamed and streamed: the body reaches Azure untouched but for model = deployment, metered', async () => {
    const input = [{ role: 'user' as const, content: 'Say hi' }]
    const res = await client.responses.create({ model: 'az/gpt-4o', input, store: false })
    expect(res.output_text).toBe('Hello, world!')
    const up = env.fakes.requests.filter((r) => r.path.startsWith('/azure/openai/responses')).at(-1)!
    expect(up.path).toMatch(/\?api-version=2025-04-01-preview$/)
    expect(up.headers['api-key']).toBeDefined()
    expect(up.headers.authorization).toBeUndefined()
    expect(up.body).toEqual({ model: 'prod-gpt4o', input, store: false })
    expect(env.events().at(-1)).toMatchObject({
      status: 'ok',
      endpoint: 'responses',
      provider: 'azure-openai',
      usage: expect.objectContaining({ inputTokens: 11, outputTokens: 4 }),
    })
    const stream = await client.responses.create({ model: 'az/gpt-4o', input, stream: true })
    const types: string[] = []
    for await (const ev of stream) types.push(ev.type)
    expect(types).toEqual(['response.created', 'response.output_text.delta', 'response.completed'])
  })
})
