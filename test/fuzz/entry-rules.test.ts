/**
 * One regression test per bug the management-API fuzzer found (issue 19), each the shrunk
 * case it reported, so the fix stays pinned even if a later seed stops drawing it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'

describe.each(DIALECTS)('entry rules found by the fuzzer (%s)', (dialect) => {
  let env: TestEnv

  beforeAll(async () => {
    env = await createTestEnv(dialect)
  })
  afterAll(async () => {
    await env?.close()
  })

  async function call(method: string, url: string, payload?: unknown) {
    const r = await env.app.inject({
      method: method as 'GET',
      url,
      headers: env.auth(),
      ...(payload === undefined ? {} : { payload: payload as object }),
    })
    return {
      status: r.statusCode,
      body: r.body,
      error: (r.json() as { error?: Record<string, string> }).error,
    }
  }

  it('a malformed percent-encoding in a path is a 400 in the API error shape', async () => {
    const r = await call('GET', '/api/v1/credentials/%ZZ')
    expect(r.status).toBe(400)
    expect(r.error?.code).toBe('bad_url')
  })

  it('every alias the API creates is addressable (path parameters up to 300 characters)', async () => {
    const alias = `a${'b'.repeat(199)}`
    const created = await call('POST', '/api/v1/routes', { alias, targets: [{ model: 'oa/y' }] })
    if (created.status === 201) {
      expect((await call('GET', `/api/v1/routes/${alias}`)).status).toBe(200)
      expect((await call('DELETE', `/api/v1/routes/${alias}`)).status).toBe(204)
    }
    const long = await call('DELETE', `/api/v1/routes/${'c'.repeat(1000)}`)
    expect(long.status).toBe(414)
    expect(long.error?.code).toBe('path_param_too_long')
  })

  it('a zod parse inside a handler is a 400 naming the path parameter', async () => {
    const r = await call('PUT', '/api/v1/routes/..%2f..%2f', { targets: [{ model: 'x/y' }] })
    expect(r.status, r.body).toBe(400)
    expect(r.error?.param).toBe('alias')
  })

  it('an empty string is not an id: 400 naming the field, nothing stored', async () => {
    const before = (await call('GET', '/api/v1/tokens')).body
    const t = await call('POST', '/api/v1/tokens', { name: 'x', workspaceId: '' })
    expect(t.status, t.body).toBe(400)
    expect(t.error?.param, t.body).toBe('workspaceId')
    const m = await call('POST', '/api/v1/members', { email: 'e@example.com', workspaceId: '' })
    expect(m.status, m.body).toBe(400)
    expect(m.error?.param).toBe('workspaceId')
    expect((await call('GET', '/api/v1/tokens')).body).toBe(before)
  })

  it('a rename onto a taken name is a 409 naming the field, on every kind', async () => {
    const b1 = await call('POST', '/api/v1/budgets', {
      name: 'one',
      scope: 'org',
      window: 'month',
      limitUsd: 1,
    })
    const b2 = await call('POST', '/api/v1/budgets', {
      name: 'two',
      scope: 'org',
      window: 'day',
      limitUsd: 1,
    })
    expect([b1.status, b2.status]).toEqual([201, 201])
    const id = (JSON.parse(b2.body) as { id: string }).id
    const r = await call('PATCH', `/api/v1/budgets/${id}`, { name: 'one' })
    expect(r.status, r.body).toBe(409)
    expect(r.error).toMatchObject({ type: 'conflict_error', param: 'name' })
    expect(r.body).not.toContain(env.orgId)
  })

  it('a NUL in any text of a request is a 400 naming the field (PostgreSQL cannot hold one)', async () => {
    const w = await call('POST', '/api/v1/workspaces', { name: 'a\u0000b' })
    expect(w.status, w.body).toBe(400)
    expect(w.error?.param).toBe('name')
    const q = await call('GET', '/api/v1/workflows?name=%00')
    expect(q.status, q.body).toBe(400)
    expect(q.error?.param).toBe('name')
    const p = await call('DELETE', '/api/v1/prices/%00')
    expect(p.status, p.body).toBe(400)
    expect(p.error?.param).toBe('id')
  })

  it('a key that cannot travel in an HTTP header is refused at entry, never stored', async () => {
    const before = (await call('GET', '/api/v1/credentials')).body
    for (const apiKey of [
      'sk-ab\u{1F600}cdef0123456789',
      'sk-abécdef0123456789',
      'sk-ab\u0001cdef0123456789',
    ]) {
      const r = await call('POST', '/api/v1/credentials', { name: 'k', provider: 'openai', apiKey })
      expect(r.status, r.body).toBe(400)
      expect(r.error?.param).toBe('apiKey')
    }
    const h = await call('POST', '/api/v1/credentials', {
      name: 'k',
      provider: 'openai',
      apiKey: 'sk-abcdef0123456789',
      secret: { headers: { 'x-a': 'v\u0001' } },
    })
    expect(h.status, h.body).toBe(400)
    expect((await call('GET', '/api/v1/credentials')).body).toBe(before)
    const ok = await call('POST', '/api/v1/credentials', {
      name: 'k',
      provider: 'openai',
      apiKey: 'sk-abcdef0123456789',
    })
    expect(ok.status, ok.body).toBe(201)
    const id = (JSON.parse(ok.body) as { id: string }).id
    const rot = await call('POST', `/api/v1/credentials/${id}/rotate`, {
      apiKey: 'sk-\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9',
    })
    expect(rot.status, rot.body).toBe(400)
    expect(rot.error?.param).toBe('apiKey')
  })
})
