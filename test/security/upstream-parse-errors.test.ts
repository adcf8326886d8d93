/**
 * Issue 15, path 11: a malicious (or broken) upstream answers malformed JSON. V8's JSON.parse
 * messages quote the text they failed on (`Unexpected token 'C', "{"id":"CANARY…" is not valid
 * JSON`), and whatever the upstream echoed — a prompt, a key sent back, another tenant's data
 * — would land in Latchkey's logs with the error. Played over real HTTP against a listening
 * server; every log line at trace level is captured and searched for the canary.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/server/logger.js'
import { createTestEnv, type TestEnv } from '../helpers.js'

// Short enough that V8 quotes it whole (it quotes about ten characters around the error).
const CANARY = `CANARY${Math.random().toString(36).slice(2, 10)}`

/** Answers every request 200 with a body (or SSE event) that is the canary alone: not JSON. */
async function malformedUpstream(): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      hits++
      const stream = /"stream"\s*:\s*true/.test(body) || /stream/i.test(req.url ?? '')
      if (stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.end(`event: message_start\ndata: ${CANARY}\n\n`)
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(CANARY)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () => new Promise((r) => server.close(() => r())),
  }
}

describe('malformed upstream JSON is never quoted into logs or answers', () => {
  let env: TestEnv
  let url: string
  let upstream: Awaited<ReturnType<typeof malformedUpstream>>
  let lines = ''

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines += chunk
        cb()
      },
    })
    env = await createTestEnv('sqlite', {
      runtime: { logger: createLogger('trace', { destination: sink, pretty: false }) },
    })
    await env.app.listen({ host: '127.0.0.1', port: 0 })
    url = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`
    upstream = await malformedUpstream()
    for (const [name, provider, baseUrl] of [
      ['anth', 'anthropic', upstream.url],
      ['oa', 'openai-compatible', `${upstream.url}/v1`],
      ['gem', 'gemini', upstream.url],
    ] as const) {
      const r = await fetch(`${url}/api/v1/credentials`, {
        method: 'POST',
        headers: { ...env.auth('admin'), 'content-type': 'application/json' },
        body: JSON.stringify({ name, provider, baseUrl, apiKey: 'sk-upstream-key-0000000000000000' }),
      })
      expect(r.status, await r.text()).toBe(201)
    }
  })
  afterAll(async () => {
    await env?.close()
    await upstream?.close()
  })

  const call = async (path: string, body: unknown) => {
    const r = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { ...env.auth('member'), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: r.status, text: await r.text() }
  }

  it('translated, pass-through and streamed calls fail with 502 and log the error class only', async () => {
    const messages = [{ role: 'user', content: 'hi' }]
    const answers = [
      // Translated (Anthropic wire behind the OpenAI endpoint), whole body and stream.
      await call('/v1/chat/completions', { model: 'anth/claude-x', messages }),
      await call('/v1/chat/completions', { model: 'anth/claude-x', messages, stream: true }),
      // Anthropic pass-through.
      await call('/v1/messages', { model: 'anth/claude-x', max_tokens: 10, messages }),
      await call('/v1/messages', { model: 'anth/claude-x', max_tokens: 10, messages, stream: true }),
      // OpenAI wire pass-through, whole body.
      await call('/v1/chat/completions', { model: 'oa/gpt-x', messages }),
      // Gemini (translated), whole body and stream.
      await call('/v1/chat/completions', { model: 'gem/gemini-x', messages }),
      await call('/v1/chat/completions', { model: 'gem/gemini-x', messages, stream: true }),
    ]
    expect(upstream.hits()).toBeGreaterThanOrEqual(answers.length)
    for (const a of answers) {
      expect(a.text).not.toContain(CANARY)
      expect(a.status === 502 || a.text.includes('error')).toBe(true)
    }
    expect(lines).toMatch(/SyntaxError/)
    const leak =
      lines
        .split('\n')
        .filter((l) => l.includes(CANARY))
        .map((l) => l.slice(0, 600))
        .join('\n\n') || undefined
    expect(leak).toBeUndefined()
  })
})

describe('the logger withholds what parse errors quote, wherever they sit in the cause chain', () => {
  it('logs the class and frames, never the quoted text', async () => {
    let out = ''
    const sink = new Writable({
      write(chunk, _enc, cb) {
        out += chunk
        cb()
      },
    })
    const log = createLogger('trace', { destination: sink, pretty: false })
    let raw: unknown
    try {
      JSON.parse(CANARY)
    } catch (err) {
      raw = err
    }
    log.error({ err: raw }, 'bare')
    log.error({ err: new Error('outer', { cause: new Error('middle', { cause: raw }) }) }, 'nested')
    expect(out).toContain('SyntaxError')
    expect(out).toContain('middle')
    expect(out).toMatch(/at JSON\.parse/)
    expect(out).not.toContain(CANARY)
    // The original error is untouched (the serializer logs a copy).
    expect((raw as Error).message).toContain(CANARY)
  })
})
