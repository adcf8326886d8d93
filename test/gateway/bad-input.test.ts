/**
 * Bad input never looks like an upstream failure: a body nested thousands of levels deep gets a
 * 400 naming the limit (not "could not reach the provider"), a credential whose key cannot be
 * sent in a header gets an error that says so and never trips the breaker, and a route naming a
 * credential that does not exist is refused when saved.
 */
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { Agent } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_JSON_DEPTH } from '../../src/server/json-body.js'
import { testCredentialKey } from '../../src/vault/provider-test.js'
import { credential, type GatewayTestEnv, gatewayEnv } from './gateway-helpers.js'

const deep = (n: number) => `${'['.repeat(n)}"x"${']'.repeat(n)}`

describe('bad input is the caller\u2019s error, never an upstream one', () => {
  let env: GatewayTestEnv
  beforeAll(async () => {
    env = await gatewayEnv('sqlite', {
      creds: (fake) => [
        credential('oa', fake.baseUrl),
        // A key pasted from a document with an ellipsis in it: not sendable in a header.
        credential('typo', fake.baseUrl, { apiKey: 'sk-abc\u2026xyz-0123456789' }),
      ],
      // The vault now refuses such a key at entry (issue 19); keys stored before that rule
      // still exist, and the gateway's handling of them is what is tested here.
      standIn: 'a key stored before the vault refused unsendable keys',
    })
  })
  afterAll(async () => {
    await env?.close()
  })

  const saveRoute = (method: 'POST' | 'PUT', payload: Record<string, unknown>, alias = '') =>
    env.app.inject({
      method,
      url: `/api/v1/routes${alias ? `/${alias}` : ''}`,
      headers: env.auth('admin'),
      payload,
    })
  const post = (path: string, body: string) =>
    fetch(`${env.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${env.tokens.member}`,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
      },
      body,
    })

  it('5,000-deep JSON: 400 naming the depth limit, in each protocol, nothing sent upstream', async () => {
    const before = env.fake.requests.length
    const chat = await post(
      '/v1/chat/completions',
      `{"model":"oa/gpt-4o-mini","messages":[{"role":"user","content":${deep(5000)}}]}`,
    )
    expect(chat.status).toBe(400)
    const body = (await chat.json()) as { error: { message: string; code: string } }
    expect(body.error.code).toBe('json_too_deep')
    expect(body.error.message).toContain(`${MAX_JSON_DEPTH} levels`)
    const messages = await post(
      '/v1/messages',
      `{"model":"oa/gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":${deep(5000)}}]}`,
    )
    expect(messages.status).toBe(400)
    expect(await messages.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('nested deeper') },
    })
    expect(env.fake.requests.length).toBe(before)
  })

  it('a key that cannot go in a header: the error says so (not "could not reach"), the breaker stays closed', async () => {
    const client = new OpenAI({ baseURL: `${env.url}/v1`, apiKey: env.tokens.member, maxRetries: 0 })
    for (let i = 0; i < 6; i++) {
      const err = (await client.chat.completions
        .create({ model: 'typo/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>
      expect(err.status).toBe(422)
      expect(err.code).toBe('credential_key_unsendable')
      expect(err.message).toContain('credential typo')
      expect(err.message).toContain('an admin must re-enter it')
      expect(err.message).not.toMatch(/could not reach|sk-abc/)
    }
    expect(env.rt.gateway.breakers.peek('cred_typo', 'gpt-4o-mini')?.state ?? 'closed').toBe('closed')
    const ev = env.events().at(-1)!
    expect(ev).toMatchObject({ status: 'error', httpStatus: 422, errorCode: 'credential_key_unsendable' })
    // In the Anthropic protocol too: a 4xx in its own error shape.
    const res = await post(
      '/v1/messages',
      '{"model":"typo/gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}',
    )
    expect(res.status).toBe(422)
    expect(await res.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('re-enter') },
    })
  })

  it("the key test says such a key cannot be sent (not that the provider can't be reached)", async () => {
    const r = await testCredentialKey(
      { provider: 'openai', baseUrl: env.fake.baseUrl, apiKey: 'sk-abc\u2026xyz-0123456789' },
      new Agent(),
    )
    expect(r).toMatchObject({ ok: false, supported: true, status: null })
    expect(r.message).toMatch(/cannot be sent in an HTTP header.*re-enter it/)
    expect(r.message).not.toMatch(/cannot reach|sk-abc/)
  })

  it('a route moves past such a target to the next one', async () => {
    const created = await saveRoute('POST', {
      alias: 'pasted',
      targets: [{ model: 'typo/gpt-4o-mini' }],
      fallbacks: [{ model: 'oa/gpt-4o-mini' }],
    })
    expect(created.statusCode).toBe(201)
    const client = new Anthropic({ baseURL: env.url, apiKey: env.tokens.member, maxRetries: 0 })
    const msg = await client.messages.create({
      model: 'pasted',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(msg.content[0]).toMatchObject({ type: 'text' })
  })

  it('a route naming a credential that does not exist is refused with a 400 naming it', async () => {
    const bad = await saveRoute('POST', {
      alias: 'typo-route',
      targets: [{ model: 'oa/gpt-4o-mini' }],
      fallbacks: [{ model: 'nosuch/gpt-4o' }],
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error).toMatchObject({
      code: 'credential_not_found',
      param: 'fallbacks.0.model',
      message: expect.stringContaining("credential 'nosuch'"),
    })
    expect(env.rt.gateway.routes.get(env.orgId, 'typo-route')).toBeUndefined()
    const ok = await saveRoute('POST', { alias: 'typo-route', targets: [{ model: 'oa/gpt-4o-mini' }] })
    expect(ok.statusCode).toBe(201)
    const put = await saveRoute('PUT', { targets: [{ model: 'ghost/gpt-4o' }] }, 'typo-route')
    expect(put.statusCode).toBe(400)
    expect(put.json().error.param).toBe('targets.0.model')
    expect(env.rt.gateway.routes.get(env.orgId, 'typo-route')?.targets).toEqual([{ model: 'oa/gpt-4o-mini' }])
  })
})
