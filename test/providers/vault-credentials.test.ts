/**
 * Provider kinds end to end with credentials created through the vault API
 * (`POST /api/v1/credentials`), on every dialect: sealed keys reach the right upstream with
 * the right auth, and never come back in a response.
 */
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clearVertexTokenCache } from '../../src/providers/vertex/vertex-auth.js'
import { AWS_KEY_ID, AWS_SECRET } from '../fakes/bedrock-upstream.js'
import { ANTHROPIC_KEY, GEMINI_KEY, type ProviderFakes, startProviderFakes } from '../fakes/provider-fakes.js'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'

describe.each(DIALECTS)('vault credentials → providers (%s)', (dialect) => {
  let env: TestEnv
  let fakes: ProviderFakes
  let url: string
  beforeAll(async () => {
    clearVertexTokenCache()
    fakes = await startProviderFakes()
    env = await createTestEnv(dialect)
    await env.app.listen({ port: 0, host: '127.0.0.1' })
    const addr = env.app.server.address()
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
    const create = async (body: Record<string, unknown>) => {
      const res = await env.app.inject({
        method: 'POST',
        url: '/api/v1/credentials',
        headers: env.auth('owner'),
        payload: body,
      })
      expect(res.statusCode, res.body).toBe(201)
      for (const s of [ANTHROPIC_KEY, GEMINI_KEY, AWS_SECRET, fakes.serviceAccount.private_key!])
        expect(res.body).not.toContain(s)
    }
    await create({
      name: 'anth',
      provider: 'anthropic',
      apiKey: ANTHROPIC_KEY,
      baseUrl: `${fakes.url}/anthropic`,
      scope: 'org',
    })
    await create({
      name: 'gem',
      provider: 'gemini',
      apiKey: GEMINI_KEY,
      baseUrl: `${fakes.url}/gemini`,
      scope: 'org',
    })
    await create({
      name: 'aws',
      provider: 'bedrock',
      baseUrl: `${fakes.url}/bedrock`,
      region: 'us-west-2',
      secret: { accessKeyId: AWS_KEY_ID, secretAccessKey: AWS_SECRET },
      scope: 'org',
    })
    await create({
      name: 'vtx',
      provider: 'vertex',
      baseUrl: `${fakes.url}/vertex`,
      region: 'europe-west1',
      secret: { serviceAccount: fakes.serviceAccount, project: 'fake-project' },
      scope: 'org',
    })
  })
  afterAll(async () => {
    await env?.close()
    await fakes?.close()
  })

  it('openai SDK reaches anthropic, gemini, bedrock and vertex credentials from the vault', async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: env.tokens.member, maxRetries: 0 })
    for (const model of [
      'anth/claude-sonnet-4-5',
      'gem/gemini-2.5-flash',
      'aws/anthropic.claude-3-haiku',
      'vtx/gemini-2.5-pro',
    ]) {
      const res = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })
      expect({ model, text: res.choices[0]?.message.content }).toEqual({ model, text: 'Hello, world!' })
    }
    expect(fakes.requests.some((r) => r.path.includes('/locations/europe-west1/'))).toBe(true)
    expect(fakes.requests.some((r) => String(r.headers.authorization).includes('/us-west-2/bedrock/'))).toBe(
      true,
    )
  })

  it('anthropic SDK reaches gemini and anthropic credentials from the vault', async () => {
    const client = new Anthropic({ baseURL: url, apiKey: env.tokens.member, maxRetries: 0 })
    for (const model of ['gem/gemini-2.5-flash', 'anth/claude-sonnet-4-5']) {
      const msg = await client.messages.create({
        model,
        max_tokens: 20,
        messages: [{ role: 'user', content: 'hi' }],
      })
      expect(msg.content[0]).toMatchObject({ type: 'text', text: 'Hello, world!' })
    }
  })
})
