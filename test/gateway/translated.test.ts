import http from 'node:http'
import type { AddressInfo } from 'node:net'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { credential, type GatewayTestEnv, gatewayEnv } from './gateway-helpers.js'

/** Minimal Anthropic Messages upstream (non-streaming), enough to prove the bridge. */
async function fakeAnthropic(): Promise<{
  url: string
  seen: { headers: http.IncomingHttpHeaders; body: unknown }[]
  close(): Promise<void>
}> {
  const seen: { headers: http.IncomingHttpHeaders; body: unknown }[] = []
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString()) as { model: string }
      seen.push({ headers: req.headers, body })
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_ant_1' })
      res.end(
        JSON.stringify({
          id: 'msg_01',
          type: 'message',
          role: 'assistant',
          model: body.model,
          content: [{ type: 'text', text: 'Bonjour' }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: { input_tokens: 11, output_tokens: 3 },
        }),
      )
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => server.close(() => r())) }
}

describe('translated kinds through the gateway seam', () => {
  let env: GatewayTestEnv
  let ant: Awaited<ReturnType<typeof fakeAnthropic>>
  let client: OpenAI
  beforeAll(async () => {
    ant = await fakeAnthropic()
    env = await gatewayEnv('sqlite', {
      creds: (fake) => [
        credential('oa', fake.baseUrl),
        credential('claude', ant.url, { provider: 'anthropic', apiKey: 'sk-ant-test-key-0123456789' }),
        credential('hdr', 'https://tools.example', { provider: 'http-secret' }),
      ],
    })
    client = new OpenAI({ baseURL: `${env.url}/v1`, apiKey: env.tokens.member, maxRetries: 0 })
  })
  afterAll(async () => {
    await env?.close()
    await ant?.close()
  })

  it('an anthropic credential answers /v1/chat/completions in OpenAI shape, metered', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'claude/claude-sonnet-4-5',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 50,
      })
      .withResponse()
    expect(data.choices[0]?.message.content).toBe('Bonjour')
    expect(response.headers.get('x-latchkey-credential')).toBe('claude')
    expect(ant.seen[0]!.headers['x-api-key']).toBe('sk-ant-test-key-0123456789')
    expect(JSON.stringify(ant.seen[0])).not.toContain(env.tokens.member)
    expect(env.events().at(-1)).toMatchObject({
      provider: 'anthropic',
      status: 'ok',
      usage: { inputTokens: 11, outputTokens: 3 },
    })
  })

  it('kinds without an adapter, or endpoints an adapter lacks, answer 400', async () => {
    const e = (await client.chat.completions
      .create({ model: 'hdr/anything', messages: [{ role: 'user', content: 'hi' }] })
      .catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>
    expect(e.status).toBe(400)
    expect(e.message).toContain('credential kind http-secret cannot serve this endpoint yet')
    const r = (await client.responses
      .create({ model: 'claude/claude-sonnet-4-5', input: 'hi' })
      .catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>
    expect(r.status).toBe(400)
    expect(r.message).toContain('/v1/responses')
  })
})
