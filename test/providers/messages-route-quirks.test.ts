/**
 * POST /v1/messages behind a route alias whose targets are different OpenAI-wire kinds: each
 * attempt gets its own kind's request shape and its answer is read its own way. The route
 * falls back from DeepSeek (overloaded) to MiniMax; one fake upstream serves both under
 * different paths and records what each received. Also: a caller's own OpenAI body to the same
 * MiniMax credential still passes through untouched (DESIGN.md: same wire).
 */
import type Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { credential } from '../gateway/gateway-helpers.js'
import {
  type CompatE2E,
  compatE2E,
  type Reply,
  streamChunks,
  type UpstreamRequest,
} from './compat-e2e-helpers.js'
import { loadJson } from './fixture-helpers.js'

const DS_KEY = 'sk-ds-route-0123456789abcdef'
const MM_KEY = 'sk-mm-route-0123456789abcdef'

function answer({ path, body }: UpstreamRequest, reply: Reply) {
  if (path === '/deepseek/v1/chat/completions') {
    // DeepSeek's documented 503 body ("Server Overloaded").
    return reply.json(503, {
      error: { message: 'Server is busy, please try again later.', type: 'server_error', code: 'overloaded' },
    })
  }
  if (path === '/minimax/v1/chat/completions') {
    if (body.stream) return reply.sse(streamChunks('minimax', 'minimax-text', body))
    return reply.json(200, loadJson('minimax', 'minimax-text'))
  }
  reply.json(404, { error: { message: 'no such path' } })
}

let env: CompatE2E
beforeAll(async () => {
  env = await compatE2E(answer, {
    creds: (url) => [
      credential('ds', `${url}/deepseek/v1`, { provider: 'deepseek', apiKey: DS_KEY }),
      credential('mm', `${url}/minimax/v1`, { provider: 'minimax', apiKey: MM_KEY }),
    ],
  })
  const res = await env.app.inject({
    method: 'POST',
    url: '/api/v1/routes',
    headers: env.auth('owner'),
    payload: {
      alias: 'thinker',
      targets: [{ model: 'ds/deepseek-chat' }],
      fallbacks: [{ model: 'mm/MiniMax-M2.7' }],
      retry: { attempts: 1 },
    },
  })
  expect(res.statusCode, res.body).toBe(201)
  const strict = await env.app.inject({
    method: 'POST',
    url: '/api/v1/routes',
    headers: env.auth('owner'),
    payload: { alias: 'thinker-strict', targets: [{ model: 'mm/MiniMax-M2.7' }], mode: 'strict' },
  })
  expect(strict.statusCode, strict.body).toBe(201)
})
afterAll(() => env?.close())

const bodiesAt = (prefix: string) =>
  env.upstream.requests.filter((r) => r.path.startsWith(prefix)).map((r) => r.body)

describe('/v1/messages through a route of several OpenAI-wire kinds', () => {
  it("each attempt gets its own kind's request; MiniMax's <think> becomes a thinking block", async () => {
    env.upstream.requests.length = 0
    const { data: msg, response } = await env.anthropic.messages
      .create({
        model: 'thinker',
        max_tokens: 300,
        temperature: 0,
        top_k: 5,
        messages: [{ role: 'user', content: 'Capital of France?' }],
      })
      .withResponse()
    expect(response.headers.get('x-latchkey-credential')).toBe('mm')
    // MiniMax takes no top_k (dropped, lenient route) and no temperature 0 (moved into range):
    // both said in both warning headers.
    expect(response.headers.get('x-latchkey-warning')).toContain('top_k: not supported by minimax; dropped')
    expect(response.headers.get('warning')).toBe(
      '299 latchkey "top_k: not supported by minimax; dropped", ' +
        '299 latchkey "temperature: MiniMax accepts (0, 1]; 0 sent as 0.01"',
    )
    const ds = bodiesAt('/deepseek/').at(-1)!
    const mm = bodiesAt('/minimax/').at(-1)!
    // DeepSeek takes max_tokens and temperature 0 as they are.
    expect(ds).toMatchObject({ model: 'deepseek-chat', max_tokens: 300, temperature: 0 })
    // MiniMax: max_completion_tokens, and temperature moved into its (0, 1] range.
    expect(mm).toMatchObject({ model: 'MiniMax-M2.7', max_completion_tokens: 300, temperature: 0.01 })
    expect(mm).not.toHaveProperty('max_tokens')
    expect(mm).not.toHaveProperty('top_k')
    expect(msg.content).toEqual([
      expect.objectContaining({ type: 'thinking', thinking: expect.stringContaining('capital of France') }),
      expect.objectContaining({ type: 'text', text: 'The capital of France is Paris.' }),
    ])
    expect(JSON.stringify(msg)).not.toContain('<think>')
  })

  it('streams the same way: thinking then text, no <think> tags', async () => {
    env.upstream.requests.length = 0
    const msg = await env.anthropic.messages
      .stream({
        model: 'thinker',
        max_tokens: 300,
        messages: [{ role: 'user', content: 'Capital of France?' }],
      })
      .finalMessage()
    expect(bodiesAt('/minimax/').at(-1)).toMatchObject({ stream: true, max_completion_tokens: 300 })
    expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text'])
    expect(JSON.stringify(msg)).not.toContain('<think>')
  })

  it("a caller's own OpenAI body to MiniMax still passes through untouched", async () => {
    env.upstream.requests.length = 0
    const res = await env.openai.chat.completions.create({
      model: 'mm/MiniMax-M2.7',
      max_tokens: 300,
      messages: [{ role: 'user', content: 'Capital of France?' }],
    })
    expect(bodiesAt('/minimax/').at(-1)).toEqual({
      model: 'MiniMax-M2.7',
      max_tokens: 300,
      messages: [{ role: 'user', content: 'Capital of France?' }],
    })
    expect(res.choices[0]?.message.content).toContain('<think>')
  })

  it('a strict route refuses what the kind cannot honour with a 400 naming it; nothing is sent', async () => {
    env.upstream.requests.length = 0
    const err = await env.anthropic.messages
      .create({
        model: 'thinker-strict',
        max_tokens: 300,
        top_k: 5,
        messages: [{ role: 'user', content: 'Capital of France?' }],
      })
      .catch((e: InstanceType<typeof Anthropic.APIError>) => e)
    expect(err).toMatchObject({ status: 400 })
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining("parameter 'top_k'") },
    })
    expect(env.upstream.requests).toHaveLength(0)
  })
})
