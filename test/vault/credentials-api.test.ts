import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'
import { canaryKey, createCredential } from './vault-helpers.js'

describe.each(DIALECTS)('credentials API (%s)', (dialect) => {
  let env: TestEnv
  beforeAll(async () => {
    env = await createTestEnv(dialect)
  })
  afterAll(async () => {
    await env?.close()
  })

  it('creates a credential and never returns the key', async () => {
    const key = canaryKey()
    const r = await createCredential(env, env.auth('admin'), {
      name: 'openai-prod',
      provider: 'openai',
      apiKey: key,
    })
    expect(r.status).toBe(201)
    expect(r.body).not.toContain(key)
    expect(r.json).toMatchObject({
      name: 'openai-prod',
      provider: 'openai',
      category: 'frontier',
      baseUrl: 'https://api.openai.com/v1',
      scope: 'workspace',
      version: 1,
      last4: key.slice(-4),
      models: [],
    })
    expect(r.json.fingerprint).toMatch(/^[0-9a-f]{16}$/)
    const list = await env.app.inject({
      method: 'GET',
      url: '/api/v1/credentials',
      headers: env.auth('member'),
    })
    expect(list.statusCode).toBe(200)
    expect(list.body).not.toContain(key)
    expect(list.json().data.map((c: { name: string }) => c.name)).toContain('openai-prod')
  })
})
