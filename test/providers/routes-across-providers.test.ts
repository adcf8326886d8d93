/**
 * Swapping providers is configuration: a route alias whose target fails over from Anthropic to
 * Gemini (and one across OpenAI-compatible and Bedrock) answers both SDKs with the same shape.
 */
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ProviderTestEnv, providerEnv, WEATHER_TOOL } from './provider-env.js'

let env: ProviderTestEnv
beforeAll(async () => {
  env = await providerEnv()
  const mk = async (body: Record<string, unknown>) => {
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/routes',
      headers: env.auth('owner'),
      payload: body,
    })
    expect(res.statusCode, res.body).toBe(201)
  }
  await mk({
    alias: 'smart',
    targets: [{ model: 'anth/claude-overloaded' }],
    fallbacks: [{ model: 'gem/gemini-2.5-flash' }],
    retry: { attempts: 1 },
  })
  await mk({
    alias: 'mixed',
    targets: [{ model: 'compat/llama-3.3-70b' }],
    fallbacks: [{ model: 'aws/anthropic.claude-3-haiku' }],
  })
})
afterAll(async () => {
  await env?.close()
})

describe('routes across provider kinds', () => {
  it('openai SDK: Anthropic overloaded → Gemini fallback, tool call intact', async () => {
    const client = new OpenAI({ baseURL: `${env.url}/v1`, apiKey: env.tokens.member, maxRetries: 0 })
    const { data, response } = await client.chat.completions
      .create({ model: 'smart', messages: [{ role: 'user', content: 'Weather?' }], tools: [WEATHER_TOOL] })
      .withResponse()
    expect(response.headers.get('x-latchkey-credential')).toBe('gem')
    expect(data.choices[0]?.finish_reason).toBe('tool_calls')
    const call = data.choices[0]?.message.tool_calls?.[0]
    expect(call?.type === 'function' && call.function.name).toBe('get_weather')
  })
  it('anthropic SDK through a route alias: translated answer in Anthropic shape, stream too', async () => {
    const client = new Anthropic({ baseURL: env.url, apiKey: env.tokens.member, maxRetries: 0 })
    for (const model of ['smart', 'mixed']) {
      const msg = await client.messages.create({
        model,
        max_tokens: 50,
        messages: [{ role: 'user', content: 'Hi' }],
      })
      expect(msg.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello, world!' })])
      const streamed = await client.messages
        .stream({ model, max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] })
        .finalMessage()
      expect(streamed.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello, world!' })])
    }
    // The OpenAI-compatible target got a plain OpenAI body: no canonical extension fields.
    const compat = env.fakes.requests.filter((r) => r.path === '/oa/v1/chat/completions').at(-1)!
    expect(JSON.stringify(compat.body)).not.toMatch(/thinking_budget|reasoning_signature|__latchkey/)
  })
})

describe('POST /v1/messages: the wire is decided per attempt, by the target', () => {
  const claudeBody = (model: string) => ({
    model,
    max_tokens: 64,
    system: [{ type: 'text', text: 'Long cached preamble.', cache_control: { type: 'ephemeral' } }],
    thinking: { type: 'enabled', budget_tokens: 1024 },
    context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Hi', cache_control: { type: 'ephemeral' } }] },
    ],
  })
  const post = (body: unknown) =>
    fetch(`${env.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': env.tokens.member,
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'context-management-2025-06-27',
      },
      body: JSON.stringify(body),
    })
  beforeAll(async () => {
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/routes',
      headers: env.auth('owner'),
      payload: {
        alias: 'claude-with-fallback',
        targets: [{ model: 'anth/claude-sonnet-4-5' }],
        fallbacks: [{ model: 'gem/gemini-2.5-flash' }],
      },
    })
    expect(res.statusCode, res.body).toBe(201)
  })

  it('behind an alias with a fallback, an Anthropic target gets the caller’s body natively', async () => {
    const res = await post(claudeBody('claude-with-fallback'))
    expect(res.status, await res.clone().text()).toBe(200)
    const up = env.fakes.requests.filter((r) => r.path.startsWith('/anthropic/')).at(-1)!
    const body = up.body as Record<string, unknown>
    expect(body).toMatchObject({
      model: 'claude-sonnet-4-5',
      thinking: { type: 'enabled', budget_tokens: 1024 },
      context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
      system: [{ cache_control: { type: 'ephemeral' } }],
      messages: [{ content: [{ cache_control: { type: 'ephemeral' } }] }],
    })
    expect(up.headers['anthropic-beta']).toBe('context-management-2025-06-27')
    // Nothing smuggled in the body, so nothing of the kind in the audit shape either.
    expect(JSON.stringify(body)).not.toMatch(/__latchkey/)
    expect(JSON.stringify(env.events().at(-1)?.inputShape)).not.toMatch(/__latchkey/)
  })

  it('anthropic-version and anthropic-beta never reach an OpenAI-wire target', async () => {
    const res = await post({ ...claudeBody('mixed'), thinking: undefined })
    expect(res.status, await res.clone().text()).toBe(200)
    const up = env.fakes.requests.filter((r) => r.path === '/oa/v1/chat/completions').at(-1)!
    expect(up.headers['anthropic-beta']).toBeUndefined()
    expect(up.headers['anthropic-version']).toBeUndefined()
  })
})

describe('strict and lenient routes', () => {
  beforeAll(async () => {
    for (const mode of ['strict', 'lenient']) {
      const res = await env.app.inject({
        method: 'POST',
        url: '/api/v1/routes',
        headers: env.auth('owner'),
        payload: { alias: `claude-${mode}`, targets: [{ model: 'anth/claude-sonnet-4-5' }], mode },
      })
      expect(res.statusCode, res.body).toBe(201)
    }
  })
  it('strict: a parameter Anthropic cannot honour is a 400 naming it; lenient: dropped with a warning', async () => {
    const client = new OpenAI({ baseURL: `${env.url}/v1`, apiKey: env.tokens.member, maxRetries: 0 })
    const body = { messages: [{ role: 'user' as const, content: 'hi' }], seed: 42 }
    const err = await client.chat.completions.create({ model: 'claude-strict', ...body }).catch((e) => e)
    expect(err).toMatchObject({ status: 400, message: expect.stringContaining("'seed'") })
    const { data, response } = await client.chat.completions
      .create({ model: 'claude-lenient', ...body })
      .withResponse()
    expect(data.choices[0]?.message.content).toBe('Hello, world!')
    expect(response.headers.get('x-latchkey-warning')).toMatch(/seed/)
    expect(response.headers.get('warning')).toMatch(/^299 latchkey "seed: .*dropped"$/)
  })
  it('lenient on /v1/messages: an untranslatable block is dropped and named in the warning headers', async () => {
    const res = await fetch(`${env.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': env.tokens.member,
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify({
        model: 'gem/gemini-2.5-flash',
        max_tokens: 20,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'hi' },
              { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } },
            ],
          },
        ],
      }),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-latchkey-warning')).toMatch(/content\.document/)
    expect(res.headers.get('warning')).toMatch(/^299 latchkey "/)
  })
  it('strict on /v1/messages: an untranslatable block is a 400', async () => {
    const client = new Anthropic({ baseURL: env.url, apiKey: env.tokens.member, maxRetries: 0 })
    const messages = [
      {
        role: 'user' as const,
        content: [
          {
            type: 'document' as const,
            source: { type: 'text' as const, media_type: 'text/plain' as const, data: 'x' },
          },
        ],
      },
    ]
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/routes',
      headers: env.auth('owner'),
      payload: { alias: 'gem-strict', targets: [{ model: 'gem/gemini-2.5-flash' }], mode: 'strict' },
    })
    expect(res.statusCode).toBe(201)
    await expect(
      client.messages.create({ model: 'gem-strict', max_tokens: 5, messages }),
    ).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('content.document'),
    })
  })
})
