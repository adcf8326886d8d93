/** Unsupported content is refused with a 400 naming the model and the capability. */
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { has } from '../../src/providers/capabilities.js'
import { PNG_1PX } from '../fakes/provider-fakes.js'
import { type ProviderTestEnv, providerEnv } from './provider-env.js'

let env: ProviderTestEnv
beforeAll(async () => {
  env = await providerEnv()
})
afterAll(async () => {
  await env?.close()
})

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='

describe('capabilities', () => {
  it('images to a text-only DeepSeek model via /v1/messages → 400 (vision)', async () => {
    const client = new Anthropic({ baseURL: env.url, apiKey: env.tokens.member, maxRetries: 0 })
    const err = await client.messages
      .create({
        model: 'ds/deepseek-chat',
        max_tokens: 10,
        messages: [
          {
            role: 'user',
            content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }],
          },
        ],
      })
      .catch((e: InstanceType<typeof Anthropic.APIError>) => e)
    expect(err).toMatchObject({ status: 400 })
    expect(String((err as InstanceType<typeof Anthropic.APIError>).message)).toMatch(
      /deepseek model deepseek-chat does not accept images \(capability: vision\)/,
    )
  })
  it('images to a text-only Bedrock model via the openai SDK → 400 (vision); Claude on Bedrock accepts them', async () => {
    const client = new OpenAI({ baseURL: `${env.url}/v1`, apiKey: env.tokens.member, maxRetries: 0 })
    const content: OpenAI.ChatCompletionContentPart[] = [
      { type: 'text', text: 'what is this' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
    ]
    const err = await client.chat.completions
      .create({ model: 'aws/meta.llama3-70b-instruct-v1:0', messages: [{ role: 'user', content }] })
      .catch((e: InstanceType<typeof OpenAI.APIError>) => e)
    expect(err).toMatchObject({ status: 400, message: expect.stringMatching(/capability: vision/) })
    const ok = await client.chat.completions.create({
      model: 'aws/anthropic.claude-3-haiku-20240307-v1:0',
      messages: [{ role: 'user', content }],
    })
    expect(ok.choices[0]?.message.content).toBe('Hello, world!')
    const sent = env.fakes.requests.filter((r) => r.path.includes('claude-3-haiku')).at(-1)!
    expect(sent.body?.messages[0].content[1]).toEqual({ image: { format: 'png', source: { bytes: PNG } } })
  })
  it('images to DeepSeek via the openai SDK → 400 before anything is sent; a route moves on to a vision target', async () => {
    const client = new OpenAI({ baseURL: `${env.url}/v1`, apiKey: env.tokens.member, maxRetries: 0 })
    const content: OpenAI.ChatCompletionContentPart[] = [
      { type: 'text', text: 'what is this' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
    ]
    const before = env.fakes.requests.length
    const err = await client.chat.completions
      .create({ model: 'ds/deepseek-chat', messages: [{ role: 'user', content }] })
      .catch((e: InstanceType<typeof OpenAI.APIError>) => e)
    expect(err).toMatchObject({
      status: 400,
      code: 'unsupported_content',
      param: 'messages',
      message: expect.stringMatching(
        /deepseek model deepseek-chat does not accept images \(capability: vision\)/,
      ),
    })
    expect(env.fakes.requests.length).toBe(before)
    const route = await env.app.inject({
      method: 'POST',
      url: '/api/v1/routes',
      headers: env.auth('owner'),
      payload: {
        alias: 'eyes',
        targets: [{ model: 'ds/deepseek-chat' }],
        fallbacks: [{ model: 'gem/gemini-2.5-flash' }],
      },
    })
    expect(route.statusCode, route.body).toBe(201)
    const { data, response } = await client.chat.completions
      .create({ model: 'eyes', messages: [{ role: 'user', content }] })
      .withResponse()
    expect(response.headers.get('x-latchkey-credential')).toBe('gem')
    expect(data.choices[0]?.message.content).toBe('Hello, world!')
    // A text-only request through the same route stays on DeepSeek.
    const text = await client.chat.completions
      .create({ model: 'eyes', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse()
    expect(text.response.headers.get('x-latchkey-credential')).toBe('ds')
  })
  it('remote image URLs are fetched through the egress guard and inlined for Gemini and Bedrock', async () => {
    const client = new OpenAI({ baseURL: `${env.url}/v1`, apiKey: env.tokens.member, maxRetries: 0 })
    const content: OpenAI.ChatCompletionContentPart[] = [
      { type: 'text', text: 'what is this' },
      { type: 'image_url', image_url: { url: `${env.fakes.url}/img.png` } },
    ]
    for (const model of ['gem/gemini-2.5-flash', 'aws/anthropic.claude-3-haiku-20240307-v1:0']) {
      const ok = await client.chat.completions.create({ model, messages: [{ role: 'user', content }] })
      expect(ok.choices[0]?.message.content).toBe('Hello, world!')
    }
    const gem = env.fakes.requests.filter((r) => r.path.startsWith('/gemini/')).at(-1)!
    expect(gem.body?.contents[0].parts[1]).toEqual({ inlineData: { mimeType: 'image/png', data: PNG_1PX } })
    // The metadata address is refused by the SSRF guard: a 400 naming the image, nothing fetched.
    const meta: OpenAI.ChatCompletionContentPart[] = [
      { type: 'image_url', image_url: { url: 'http://169.254.169.254/latest/meta-data/x.png' } },
    ]
    const err = await client.chat.completions
      .create({ model: 'gem/gemini-2.5-flash', messages: [{ role: 'user', content: meta }] })
      .catch((e) => e)
    expect(err).toMatchObject({ status: 400, message: expect.stringMatching(/could not fetch image/) })
  })
  it('kind-level and model-pattern capabilities', () => {
    expect(has('zhipu', 'glm-4.5v', 'vision')).toBe(true)
    expect(has('zhipu', 'glm-4.6', 'vision')).toBe(false)
    expect(has('anthropic', 'claude-sonnet-4-5', 'embeddings')).toBe(false)
    expect(has('vllm', 'anything', 'vision')).toBe(true)
  })
})
