/** The dispatch-based fetch the adapters use by default: JSON, SSE, binary streams, errors, abort. */
import { createHash } from 'node:crypto'
import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CancelSignal } from '../../src/gateway/cancel.js'
import type { FetchInit } from '../../src/providers/adapter.js'
import { anthropicAdapter } from '../../src/providers/anthropic/anthropic-provider.js'
import { bedrockAdapter } from '../../src/providers/bedrock/bedrock-provider.js'
import { customHeaders, passBackHeaders } from '../../src/providers/http/headers.js'
import { requestFetch } from '../../src/providers/http/request-fetch.js'
import { send } from '../../src/providers/http/send.js'
import { AWS_KEY_ID, AWS_SECRET } from '../fakes/bedrock-upstream.js'
import { ANTHROPIC_KEY, type ProviderFakes, startProviderFakes } from '../fakes/provider-fakes.js'
import { credential } from '../gateway/gateway-helpers.js'
import { collect } from './fixture-helpers.js'

let fakes: ProviderFakes
beforeAll(async () => {
  fakes = await startProviderFakes()
})
afterAll(async () => {
  await fakes?.close()
})

const hi = { model: 'x', messages: [{ role: 'user' as const, content: 'hi' }] }

describe('requestFetch', () => {
  it('JSON and SSE through the Anthropic adapter', async () => {
    const c = credential('anth', `${fakes.url}/anthropic`, { provider: 'anthropic', apiKey: ANTHROPIC_KEY })
    const r = await anthropicAdapter.chat(hi, { credential: c, model: 'claude-x' })
    expect(r.response.choices[0]?.message.content).toBe('Hello, world!')
    expect(r.headers['request-id']).toBe('req_fake')
    const s = await anthropicAdapter.chatStream(hi, { credential: c, model: 'claude-x' })
    const text = (await collect(s.chunks)).map((x) => x.choices[0]?.delta.content ?? '').join('')
    expect(text).toBe('Hello, world!')
  })
  it('binary event-stream through the Bedrock adapter (signed)', async () => {
    const c = credential('aws', `${fakes.url}/bedrock`, {
      provider: 'bedrock',
      apiKey: undefined,
      region: 'us-east-1',
      secret: { accessKeyId: AWS_KEY_ID, secretAccessKey: AWS_SECRET },
    })
    const s = await bedrockAdapter.chatStream(hi, { credential: c, model: 'anthropic.claude-x' })
    const chunks = await collect(s.chunks)
    expect(chunks.map((x) => x.choices[0]?.delta.content ?? '').join('')).toBe('Hello, world!')
  })
  it('error statuses map; an aborted call rejects; redirects are not followed', async () => {
    const c = credential('anth', `${fakes.url}/anthropic`, { provider: 'anthropic', apiKey: ANTHROPIC_KEY })
    await expect(
      anthropicAdapter.chat(hi, { credential: c, model: 'claude-overloaded' }),
    ).rejects.toMatchObject({ status: 503 })
    const ac = new AbortController()
    ac.abort()
    await expect(
      anthropicAdapter.chat(hi, { credential: c, model: 'claude-x', signal: ac.signal }),
    ).rejects.toBeTruthy()
    const f = requestFetch()
    const res = await f(`${fakes.url}/nowhere`, { method: 'GET' })
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: { message: 'fake: no route /nowhere' } })
  })
  it('answers without a WHATWG Response: headers built only on demand, same values either way', async () => {
    const f = requestFetch()
    const res = await f(`${fakes.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': ANTHROPIC_KEY,
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(res).not.toBeInstanceOf(Response)
    expect(res.ok).toBe(true)
    expect(passBackHeaders(res)['request-id']).toBe('req_fake')
    expect(res.headers.get('request-id')).toBe('req_fake')
    expect(res.headers.get('content-type')).toMatch(/application\/json/)
    expect(await res.json()).toMatchObject({ type: 'message' })
    // A WHATWG Response (what tests and tools may inject) gives the same pass-back headers.
    const web = new Response('{}', { headers: { 'Request-Id': 'req_web', 'x-other': '1' } })
    expect(passBackHeaders(web)).toEqual({ 'request-id': 'req_web' })
  })
  it("a credential's custom headers go along, but never displace ours, whatever their case", async () => {
    expect(customHeaders({ headers: { 'X-Api-Key': 'custom', 'X-Team': 'a', n: 1 } })).toEqual({
      'x-api-key': 'custom',
      'x-team': 'a',
    })
    const seen: Record<string, string>[] = []
    const capture = async (_url: string, init: FetchInit) => {
      seen.push(init.headers as Record<string, string>)
      return new Response('{}', { status: 200 })
    }
    const c = credential('anth', `${fakes.url}/anthropic`, {
      provider: 'anthropic',
      apiKey: ANTHROPIC_KEY,
      secret: { headers: { 'X-Api-Key': 'custom', 'X-Team': 'a' } },
    })
    await send('http://upstream.invalid/v1/messages', {
      provider: 'anthropic',
      call: { credential: c, model: 'claude-x', fetch: capture },
      headers: { 'x-api-key': ANTHROPIC_KEY },
      body: '{}',
    })
    expect(seen[0]).toEqual({ 'x-api-key': ANTHROPIC_KEY, 'x-team': 'a' })
  })
})

describe('requestFetch bodies', () => {
  let server: http.Server
  let base = ''
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const path = req.url ?? '/'
      if (path === '/big') {
        // 4 MB in 64 KB chunks: many reads on both sides.
        res.writeHead(200, { 'content-type': 'application/octet-stream' })
        let i = 0
        const next = () => {
          while (i < 64) {
            const ok = res.write(Buffer.alloc(65_536, i++ % 251))
            if (!ok) return void res.once('drain', next)
          }
          res.end()
        }
        next()
      } else if (path === '/bom') {
        res.end('\ufeff{"a":1}')
      } else if (path === '/empty') {
        res.writeHead(204).end()
      } else if (path === '/hang') {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write('data: 1\n\n')
      } else res.end('{"ok":true}')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  })

  const digest = (chunks: Uint8Array[]) => {
    const h = createHash('sha256')
    for (const c of chunks) h.update(c)
    return h.digest('hex')
  }
  const expected = () => {
    const h = createHash('sha256')
    for (let i = 0; i < 64; i++) h.update(Buffer.alloc(65_536, i % 251))
    return h.digest('hex')
  }

  it('reads a large body whole, or streamed by a slow reader, byte for byte', async () => {
    const f = requestFetch()
    const whole = Buffer.from(await (await f(`${base}/big`, { method: 'GET' })).arrayBuffer())
    expect(digest([whole])).toBe(expected())
    const res = await f(`${base}/big`, { method: 'GET' })
    const chunks: Uint8Array[] = []
    const reader = res.body!.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      // A slow reader: the connection pauses instead of the answer piling up in memory.
      await new Promise((r) => setImmediate(r))
    }
    expect(digest(chunks)).toBe(expected())
  })

  it('a body is read once; no-content and a byte-order mark are handled as fetch does', async () => {
    const f = requestFetch()
    const res = await f(`${base}/bom`, { method: 'GET' })
    expect(await res.json()).toEqual({ a: 1 })
    await expect(res.text()).rejects.toThrow(/already used/)
    const empty = await f(`${base}/empty`, { method: 'GET' })
    expect(empty.status).toBe(204)
    expect(empty.body).toBeNull()
    expect(await empty.text()).toBe('')
  })

  it('aborts through a CancelSignal before the answer and in the middle of a stream', async () => {
    const f = requestFetch()
    const early = new CancelSignal()
    early.abort(new Error('client closed'))
    await expect(f(`${base}/hang`, { method: 'GET', signal: early })).rejects.toThrow(/client closed/)
    const late = new CancelSignal()
    const res = await f(`${base}/hang`, { method: 'GET', signal: late })
    const reader = res.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: 1\n\n')
    late.abort(new Error('idle timeout'))
    await expect(reader.read()).rejects.toThrow(/idle timeout/)
  })
})
