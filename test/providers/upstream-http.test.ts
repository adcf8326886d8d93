/**
 * One HTTP layer for every upstream request (src/providers/http/): a credential's custom
 * `secret.headers` reach the upstream on the OpenAI-wire pass-through too (chat, streamed chat,
 * embeddings, model discovery) and never replace Latchkey's own auth; an upstream error is
 * mapped the same way on every path (context length recognised, code and param kept, secrets
 * scrubbed by the one scrubber).
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { credential, type GatewayTestEnv, gatewayEnv, UPSTREAM_KEY } from '../gateway/gateway-helpers.js'

describe('providers/http: credential headers and one error mapping', () => {
  let env: GatewayTestEnv
  let client: OpenAI
  beforeAll(async () => {
    env = await gatewayEnv('sqlite', {
      creds: (fake) => [
        credential('hdr', fake.baseUrl, {
          secret: { headers: { 'X-Org-Route': 'acme-eu', Authorization: 'Bearer not-ours-0123456789' } },
        }),
      ],
    })
    client = new OpenAI({ baseURL: `${env.url}/v1`, apiKey: env.tokens.member, maxRetries: 0 })
  })
  afterAll(async () => {
    await env?.close()
  })

  const expectCustomHeader = (path: string) => {
    const r = env.fake.requests.filter((q) => q.path === path).at(-1)
    expect(r, path).toBeDefined()
    expect(r!.headers['x-org-route']).toBe('acme-eu')
    // Latchkey's own auth wins over a custom header of the same name, whatever its case.
    expect(r!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`)
  }

  it('secret.headers go with pass-through chat, streamed chat, embeddings and model discovery', async () => {
    await client.chat.completions.create({
      model: 'hdr/gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expectCustomHeader('/v1/chat/completions')
    env.fake.reset()
    const s = await client.chat.completions.create({
      model: 'hdr/gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    })
    for await (const _ of s) {
      // drain
    }
    expectCustomHeader('/v1/chat/completions')
    await client.embeddings.create({ model: 'hdr/text-embedding-3-small', input: 'hi' })
    expectCustomHeader('/v1/embeddings')
    await client.models.list()
    expectCustomHeader('/v1/models')
  })

  it('an upstream 400 about context length is context_length_exceeded, param kept, key scrubbed', async () => {
    env.fake.script('ctx', [
      {
        kind: 'status',
        status: 400,
        body: {
          error: {
            message: `This model's maximum context length is 8192 tokens (key ${UPSTREAM_KEY}, lk_abcdefghijklmnop0123)`,
            type: 'invalid_request_error',
            param: 'messages',
            code: 'context_length_exceeded',
          },
        },
      },
    ])
    const err = (await client.chat.completions
      .create({ model: 'hdr/ctx', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    expect(err.code).toBe('context_length_exceeded')
    expect(err.param).toBe('messages')
    expect(err.message).toContain('openai (credential hdr): context too long')
    expect(err.message).not.toContain(UPSTREAM_KEY)
    expect(err.message).not.toContain('lk_abcdefghijklmnop0123')
  })
})
