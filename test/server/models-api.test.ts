/**
 * GET /api/v1/models: the gateway's discovery for the Models page — every kind, chat told from
 * embeddings, each entry with its credential, region, capabilities, context window and the
 * price in force (an org override beats the dataset); route aliases listed as routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addBedrockListCredential, type ProviderTestEnv, providerEnv } from '../providers/provider-env.js'

interface Entry {
  id: string
  kind: string
  credential: string | null
  provider: string | null
  region: string | null
  mode: string
  capabilities: string[]
  contextWindow: number | null
  price: { source: string; input: number; output: number } | null
}

describe('GET /api/v1/models', () => {
  let env: ProviderTestEnv
  const list = async (role: 'owner' | 'member' = 'member') => {
    const r = await env.app.inject({ method: 'GET', url: '/api/v1/models', headers: env.auth(role) })
    expect(r.statusCode).toBe(200)
    return new Map((r.json() as { data: Entry[] }).data.map((e) => [e.id, e]))
  }

  beforeAll(async () => {
    env = await providerEnv()
    await addBedrockListCredential(env)
  })
  afterAll(async () => {
    await env?.close()
  })

  it('lists every kind with credential, region, capabilities, window and dataset price', async () => {
    const byId = await list()
    expect(byId.get('anth/claude-sonnet-4-5')).toMatchObject({
      kind: 'model',
      credential: 'anth',
      provider: 'anthropic',
      mode: 'chat',
      capabilities: expect.arrayContaining(['chat', 'tools', 'vision']),
      price: { source: 'dataset', input: 3, output: 15 },
    })
    // The window from the provider's own list (Gemini says), else from the price dataset.
    expect(byId.get('gem/gemini-2.5-flash')?.contextWindow).toBe(1048576)
    expect(byId.get('anth/claude-sonnet-4-5')?.contextWindow).toBeGreaterThan(100_000)
    expect(byId.get('gem/text-embedding-004')).toMatchObject({
      mode: 'embedding',
      capabilities: ['embeddings'],
    })
    expect(byId.get('aws-list/anthropic.claude-sonnet-4-5')).toMatchObject({ region: 'eu-central-1' })
  })

  it('an org price override is the price shown; route aliases are listed as routes', async () => {
    const o = await env.app.inject({
      method: 'POST',
      url: '/api/v1/prices',
      headers: env.auth('owner'),
      payload: { provider: 'openai', model: 'gpt-4o-mini', input: 0.5, output: 1.5 },
    })
    expect(o.statusCode).toBe(201)
    const r = await env.app.inject({
      method: 'POST',
      url: '/api/v1/routes',
      headers: env.auth('owner'),
      payload: { alias: 'smart', targets: [{ model: 'oa/gpt-4o-mini' }] },
    })
    expect(r.statusCode).toBe(201)
    const byId = await list()
    expect(byId.get('oa/gpt-4o-mini')?.price).toMatchObject({ source: 'override', input: 0.5, output: 1.5 })
    expect(byId.get('smart')).toMatchObject({ kind: 'route', credential: null, price: null, mode: 'chat' })
  })

  it('needs a token whose scopes include credentials', async () => {
    const t = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: env.auth('member'),
      payload: { name: 'gw-only', scopes: ['gateway'] },
    })
    const token = (t.json() as { token: string }).token
    const r = await env.app.inject({
      method: 'GET',
      url: '/api/v1/models',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(r.statusCode).toBe(403)
  })
})
