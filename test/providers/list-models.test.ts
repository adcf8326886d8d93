/** Model discovery: the providers' list endpoints (Anthropic, Gemini with paging), modes, and GET /v1/models over every kind. */
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anthropicAdapter } from '../../src/providers/anthropic/anthropic-provider.js'
import { geminiAdapter } from '../../src/providers/gemini/gemini-provider.js'
import { modelCapabilities, modelMode } from '../../src/providers/model-modes.js'
import { ANTHROPIC_KEY, GEMINI_KEY, type ProviderFakes, startProviderFakes } from '../fakes/provider-fakes.js'
import { credential } from '../gateway/gateway-helpers.js'
import { addBedrockListCredential, type ProviderTestEnv, providerEnv } from './provider-env.js'

let fakes: ProviderFakes
beforeAll(async () => {
  fakes = await startProviderFakes()
})
afterAll(async () => {
  await fakes?.close()
})

describe('listModels', () => {
  it('anthropic: GET /v1/models', async () => {
    const c = credential('anth', `${fakes.url}/anthropic`, { provider: 'anthropic', apiKey: ANTHROPIC_KEY })
    expect(await anthropicAdapter.listModels!({ credential: c, model: '' })).toEqual([
      { id: 'claude-sonnet-4-5', mode: 'chat' },
    ])
  })
  it('gemini: pages through GET /models, keeps generate/embed models', async () => {
    const c = credential('gem', `${fakes.url}/gemini`, { provider: 'gemini', apiKey: GEMINI_KEY })
    expect(await geminiAdapter.listModels!({ credential: c, model: '' })).toEqual([
      { id: 'gemini-2.5-flash', mode: 'chat', contextWindow: 1048576 },
      { id: 'text-embedding-004', mode: 'embedding' },
    ])
  })
  it('a bad key is a 401 naming the credential', async () => {
    const c = credential('gem', `${fakes.url}/gemini`, {
      provider: 'gemini',
      apiKey: 'AIzaWrongKey000000000',
    })
    await expect(geminiAdapter.listModels!({ credential: c, model: '' })).rejects.toMatchObject({
      status: 401,
    })
  })
})

describe('model modes by name (where the upstream does not say)', () => {
  it.each([
    ['openai', 'gpt-4o-mini', 'chat'],
    ['openai', 'text-embedding-3-small', 'embedding'],
    ['mistral', 'mistral-embed', 'embedding'],
    ['ollama', 'nomic-embed-text:latest', 'embedding'],
    ['ollama', 'bge-m3', 'embedding'],
    ['bedrock', 'amazon.titan-embed-text-v2:0', 'embedding'],
    ['bedrock', 'cohere.embed-english-v3', 'embedding'],
    ['openai', 'whisper-1', 'audio'],
    ['openai', 'tts-1-hd', 'audio'],
    ['openai', 'gpt-4o-mini-transcribe', 'audio'],
    ['openai', 'dall-e-3', 'image'],
    ['openai', 'omni-moderation-latest', 'moderation'],
    ['vllm', 'BAAI/bge-reranker-v2-m3', 'rerank'],
    ['ollama', 'llama3.2:3b', 'chat'],
    // Anthropic has no embedders, whatever a model is called.
    ['anthropic', 'claude-embedder-lookalike', 'chat'],
  ])('%s %s → %s', (kind, id, mode) => {
    expect(modelMode(kind, id)).toBe(mode)
  })
  it('capabilities follow the kind and the model family', () => {
    expect(modelCapabilities('openai', 'gpt-4o', 'chat')).toEqual([
      'chat',
      'tools',
      'vision',
      'json_schema',
      'reasoning',
    ])
    expect(modelCapabilities('deepseek', 'deepseek-chat', 'chat')).not.toContain('vision')
    expect(modelCapabilities('openai', 'text-embedding-3-small', 'embedding')).toEqual(['embeddings'])
    expect(modelCapabilities('openai', 'whisper-1', 'audio')).toEqual([])
  })
})

describe('GET /v1/models lists every kind', () => {
  let env: ProviderTestEnv
  beforeAll(async () => {
    env = await providerEnv()
    await addBedrockListCredential(env)
  })
  afterAll(async () => {
    await env?.close()
  })

  it('the openai SDK sees Anthropic, Gemini, Azure, Bedrock and OpenAI models, chat told from embeddings', async () => {
    const client = new OpenAI({ baseURL: `${env.url}/v1`, apiKey: env.tokens.member, maxRetries: 0 })
    const page = await client.models.list()
    const byId = new Map(page.data.map((m) => [m.id, m as unknown as Record<string, unknown>]))
    expect(byId.get('anth/claude-sonnet-4-5')).toMatchObject({
      object: 'model',
      owned_by: 'anthropic',
      provider: 'anthropic',
      credential: 'anth',
      category: 'frontier',
      mode: 'chat',
      capabilities: expect.arrayContaining(['chat', 'tools', 'vision']),
    })
    expect(byId.get('gem/gemini-2.5-flash')).toMatchObject({ mode: 'chat', context_window: 1048576 })
    expect(byId.get('gem/text-embedding-004')).toMatchObject({
      mode: 'embedding',
      capabilities: ['embeddings'],
    })
    expect(byId.get('az/gpt-4o')).toMatchObject({ provider: 'azure-openai', mode: 'chat' })
    expect(byId.get('aws-list/anthropic.claude-sonnet-4-5')).toMatchObject({
      mode: 'chat',
      region: 'eu-central-1',
    })
    expect(byId.get('aws-list/amazon.titan-embed-text-v2:0')).toMatchObject({ mode: 'embedding' })
    expect(byId.get('oa/gpt-4o-mini')).toMatchObject({ mode: 'chat', provider: 'openai' })
    expect(byId.get('oa/text-embedding-3-small')).toMatchObject({ mode: 'embedding' })
    // Gemini's non-generative models (aqa) are not offered.
    expect(byId.has('gem/aqa')).toBe(false)
  })

  it('the Anthropic SDK gets its list shape with the same entries', async () => {
    const client = new Anthropic({ baseURL: env.url, apiKey: env.tokens.member, maxRetries: 0 })
    const ids: string[] = []
    for await (const m of client.models.list()) ids.push(m.id)
    expect(ids).toContain('anth/claude-sonnet-4-5')
    expect(ids).toContain('gem/gemini-2.5-flash')
  })
})
