/**
 * "Done when": a key added through the API works for calls at once, rotation and revocation
 * apply at once to gateway calls (none fails meanwhile), and no response shows the key — even
 * when the upstream echoes it in an error.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'
import { canaryKey, createCredential } from './vault-helpers.js'

describe.each(DIALECTS)('vault through the gateway (%s)', (dialect) => {
  let env: TestEnv
  let upstream: http.Server
  let base: string
  const seen: string[] = []
  /** Key used per probe id (the body's `user` field passes through untouched). */
  const probes = new Map<string, string>()
  let rejectAll = false
  beforeAll(async () => {
    env = await createTestEnv(dialect)
    upstream = http.createServer((req, res) => {
      let body = ''
      req.on('data', (c) => {
        body += c
      })
      req.on('end', () => {
        const key = String(req.headers.authorization ?? '').replace(/^Bearer /, '')
        seen.push(key)
        const user = (JSON.parse(body || '{}') as { user?: string }).user
        if (user) probes.set(user, key)
        res.setHeader('content-type', 'application/json')
        if (rejectAll) {
          res.statusCode = 401
          res.end(
            JSON.stringify({
              error: {
                message: `Incorrect API key provided: ${key}`,
                type: 'invalid_request_error',
                code: 'invalid_api_key',
              },
            }),
          )
          return
        }
        res.end(
          JSON.stringify({
            id: 'chatcmpl-1',
            object: 'chat.completion',
            created: 1,
            model: 'm1',
            choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          }),
        )
      })
    })
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`
  })
  afterAll(async () => {
    await new Promise((r) => upstream?.close(r))
    await env?.close()
  })

  const chat = (user?: string) =>
    env.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: env.auth('member'),
      payload: { model: 'e2e/m1', messages: [{ role: 'user', content: 'hi' }], ...(user ? { user } : {}) },
    })

  it('uses a new key at once, switches on rotation without failures, stops on revocation', async () => {
    const k1 = canaryKey()
    const c = await createCredential(env, env.auth('admin'), {
      name: 'e2e',
      provider: 'openai-compatible',
      baseUrl: base,
      apiKey: k1,
      scope: 'org',
    })
    expect(c.status).toBe(201)
    const first = await chat()
    expect(first.statusCode).toBe(200)
    expect(seen.at(-1)).toBe(k1)

    const keys = [k1]
    let stop = false
    const statuses: number[] = []
    const load = Array.from({ length: 4 }, async () => {
      while (!stop) statuses.push((await chat()).statusCode)
    })
    for (let i = 0; i < 3; i++) {
      const k = canaryKey()
      keys.push(k)
      const r = await env.app.inject({
        method: 'POST',
        url: `/api/v1/credentials/${c.json.id}/rotate`,
        headers: env.auth('admin'),
        payload: { apiKey: k },
      })
      expect(r.statusCode).toBe(200)
      // A call that starts after the rotation answered uses the new key.
      expect((await chat(`probe-${i}`)).statusCode).toBe(200)
      expect(probes.get(`probe-${i}`)).toBe(k)
    }
    stop = true
    await Promise.all(load)
    expect(statuses.length).toBeGreaterThan(0)
    expect(statuses.every((s) => s === 200)).toBe(true)
    expect(seen.every((s) => keys.includes(s))).toBe(true)

    const del = await env.app.inject({
      method: 'DELETE',
      url: `/api/v1/credentials/${c.json.id}`,
      headers: env.auth('admin'),
    })
    expect(del.statusCode).toBe(204)
    const before = seen.length
    const after = await chat()
    expect(after.statusCode).not.toBe(200)
    expect(seen.length).toBe(before)
  })

  it('never shows the key when the upstream echoes it', async () => {
    const k = canaryKey()
    await createCredential(env, env.auth('admin'), {
      name: 'e2e',
      provider: 'openai-compatible',
      baseUrl: base,
      apiKey: k,
      scope: 'org',
    })
    rejectAll = true
    try {
      const r = await chat()
      expect(r.statusCode).toBeGreaterThanOrEqual(400)
      expect(seen.at(-1)).toBe(k)
      expect(r.body).not.toContain(k)
    } finally {
      rejectAll = false
    }
  })

  it('route targets must name credentials of the org (any scope, usable by the author or not)', async () => {
    const admin = env.auth('admin')
    const ws = await createCredential(env, admin, {
      name: 'team-key',
      provider: 'openai-compatible',
      baseUrl: base,
      apiKey: canaryKey(),
      scope: 'workspace',
      workspaceId: env.workspaceId,
    })
    expect(ws.status).toBe(201)
    const route = (alias: string, model: string) =>
      env.app.inject({
        method: 'POST',
        url: '/api/v1/routes',
        headers: admin,
        payload: { alias, targets: [{ model }] },
      })
    expect((await route('team', 'team-key/m1')).statusCode).toBe(201)
    const bad = await route('ghost', 'no-such-key/m1')
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.message).toContain("credential 'no-such-key'")
  })
})
