import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestEnv, DIALECTS, type TestEnv } from './helpers.js'

describe.each(DIALECTS)('server basics (%s)', (dialect) => {
  let env: TestEnv
  beforeAll(async () => {
    env = await createTestEnv(dialect)
  })
  afterAll(async () => {
    await env?.close()
  })

  it('serves /healthz without auth', async () => {
    const res = await env.app.inject({ method: 'GET', url: '/healthz' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ ok: true })
    expect(res.headers['x-latchkey-request-id']).toMatch(/^req_/)
  })

  it('answers unknown routes with a JSON 404 in the caller protocol', async () => {
    const api = await env.app.inject({ method: 'GET', url: '/api/v1/nope', headers: env.auth() })
    expect(api.statusCode).toBe(404)
    expect(api.json().error.type).toBe('not_found_error')
    const oa = await env.app.inject({ method: 'GET', url: '/v1/nope' })
    expect(oa.statusCode).toBe(404)
    expect(oa.json().error).toMatchObject({ type: 'not_found_error', param: null })
  })

  it('requires a token for /metrics and the OpenAPI document', async () => {
    expect((await env.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401)
    expect(
      (await env.app.inject({ method: 'GET', url: '/metrics', headers: env.auth('member') })).statusCode,
    ).toBe(403)
    const ok = await env.app.inject({ method: 'GET', url: '/metrics', headers: env.auth('auditor') })
    expect(ok.statusCode).toBe(200)
    expect(ok.body).toContain('latchkey_http_request_duration_seconds')
    expect((await env.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).statusCode).toBe(401)
    const doc = await env.app.inject({ method: 'GET', url: '/api/v1/openapi.json', headers: env.auth() })
    expect(doc.json().openapi).toBe('3.1.0')
  })
})
