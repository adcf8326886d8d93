/**
 * Issue 15, path 11: a caller chooses the upstream model name (`<credential>/<anything>`), and
 * metric labels and circuit breakers were keyed by it. 10,000 random names grew 10,000 label
 * sets per metric (every scrape and the process's memory with them) and 10,000 breakers.
 *
 * Played over real HTTP: a member token sends 10,000 calls, each with a fresh model name, to
 * an upstream that answers every model (as a local server that ignores `model` does) or
 * refuses it. Then `/metrics` is scraped and the breaker map measured.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Breakers, DEFAULT_BREAKER, MAX_BREAKERS } from '../../src/gateway/breaker.js'
import { MAX_MODEL_LABELS } from '../../src/metrics/label-cap.js'
import { createTestEnv, type TestEnv } from '../helpers.js'

const CALLS = 10_000

/** OpenAI-compatible upstream: 200 for every model, or 404 for models named `nope-…`. */
async function anyModelUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      const model = String((JSON.parse(body || '{}') as { model?: string }).model ?? '')
      if (model.startsWith('nope-')) {
        res.writeHead(404, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: { message: 'model not found', type: 'invalid_request_error' } }))
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          id: 'c1',
          object: 'chat.completion',
          created: 1,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      )
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise((r) => server.close(() => r())),
  }
}

/** Distinct values of `label` across every series of metrics whose name starts with `prefix`. */
function labelValues(exposition: string, prefix: string, label: string): Set<string> {
  const out = new Set<string>()
  const re = new RegExp(`${label}="([^"]*)"`)
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(prefix)) continue
    const m = re.exec(line)
    if (m) out.add(m[1]!)
  }
  return out
}

describe('caller-chosen model names cannot grow metrics or breakers without bound', () => {
  let env: TestEnv
  let url: string
  let upstream: Awaited<ReturnType<typeof anyModelUpstream>>

  beforeAll(async () => {
    env = await createTestEnv('sqlite')
    await env.app.listen({ host: '127.0.0.1', port: 0 })
    url = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`
    upstream = await anyModelUpstream()
    const r = await fetch(`${url}/api/v1/credentials`, {
      method: 'POST',
      headers: { ...env.auth('admin'), 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'local',
        provider: 'openai-compatible',
        baseUrl: upstream.url,
        apiKey: 'sk-local-0000000000000000',
      }),
    })
    expect(r.status, await r.text()).toBe(201)
  })
  afterAll(async () => {
    await env?.close()
    await upstream?.close()
  })

  it(`${CALLS} random model names leave label cardinality and the breaker map bounded`, async () => {
    const call = async (model: string) => {
      const r = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...env.auth('member'), 'content-type': 'application/json' },
        body: JSON.stringify({ model: `local/${model}`, messages: [{ role: 'user', content: 'hi' }] }),
      })
      await r.arrayBuffer()
      return r.status
    }
    // A real model first: it keeps its own label whatever follows.
    expect(await call('real-model')).toBe(200)
    let next = 0
    const statuses = new Map<number, number>()
    const worker = async () => {
      while (next < CALLS) {
        const i = next++
        // Half are served (an upstream that ignores `model`), half refused by the upstream.
        const s = await call(`${i % 2 ? 'nope' : 'any'}-${i}-${Math.random().toString(36).slice(2, 10)}`)
        statuses.set(s, (statuses.get(s) ?? 0) + 1)
      }
    }
    await Promise.all(Array.from({ length: 16 }, worker))
    expect(statuses.get(200)).toBe(CALLS / 2)

    const metrics = await (await fetch(`${url}/metrics`, { headers: env.auth('auditor') })).text()
    const models = labelValues(metrics, 'latchkey_usage_', 'model')
    expect(models.size).toBeLessThanOrEqual(MAX_MODEL_LABELS + 1)
    expect(models).toContain('real-model')
    expect(models).toContain('other')
    // Refused models never take a label of their own.
    expect([...models].some((m) => m.startsWith('nope-'))).toBe(false)
    expect(labelValues(metrics, 'latchkey_gateway_breaker', 'model').size).toBeLessThanOrEqual(
      MAX_MODEL_LABELS + 1,
    )
    expect(env.rt.gateway.breakers.size).toBeLessThanOrEqual(MAX_BREAKERS)
  }, 600_000)
})

describe('the breaker map past its cap', () => {
  it('drops idle and closed breakers first: an open breaker survives a flood of new model names', () => {
    const breakers = new Breakers({ ...DEFAULT_BREAKER, minRequests: 1 })
    const sick = breakers.get('cred', 'real-model')
    sick.failure()
    expect(sick.state).toBe('open')
    for (let i = 0; i < 10 * MAX_BREAKERS; i++) breakers.get('cred', `junk-${i}`).release()
    expect(breakers.size).toBeLessThanOrEqual(MAX_BREAKERS)
    expect(breakers.peek('cred', 'real-model')?.state).toBe('open')
  })
})
