/**
 * The SPA's static serving: open without auth, correct cache headers (hashed assets immutable,
 * the shell revalidated), a strict CSP, SPA fallback for app paths, JSON 404s for API paths.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerErrorHandling } from '../../src/server/plugins/errors.js'
import { CONTENT_SECURITY_POLICY, webRoutesFrom } from '../../src/server/routes/web.js'
import type { Runtime } from '../../src/server/runtime.js'
import { createTestEnv, type TestEnv } from '../helpers.js'

describe('web routes on a fixture build', () => {
  let app: FastifyInstance
  let dir: string

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-web-'))
    fs.mkdirSync(path.join(dir, 'assets'))
    fs.writeFileSync(
      path.join(dir, 'index.html'),
      '<!doctype html><title>Latchkey</title><div id="root"></div>',
    )
    fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)')
    fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
    fs.writeFileSync(path.join(dir, '.env'), 'SECRET=1')
    app = Fastify()
    registerErrorHandling(app)
    app.get('/api/v1/thing', async () => ({ ok: true }))
    await webRoutesFrom(dir)(app, {} as Runtime)
    await app.ready()
  })
  afterAll(async () => {
    await app.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('serves the shell at / and at client routes with no-cache and a strict CSP', async () => {
    for (const url of ['/', '/chat', '/workflows/runs/run_1', '/invite']) {
      const res = await app.inject({ url })
      expect(res.statusCode, url).toBe(200)
      expect(res.headers['content-type']).toMatch(/text\/html/)
      expect(res.headers['cache-control']).toBe('no-cache')
      expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY)
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['x-frame-options']).toBe('DENY')
      expect(res.body).toContain('<div id="root">')
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'")
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline')
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval')
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'")
  })

  it('marks hashed assets immutable and 404s missing ones (never HTML for a script)', async () => {
    const res = await app.inject({ url: '/assets/index-abc123.js' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/javascript/)
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    const missing = await app.inject({ url: '/assets/nope-123.js' })
    expect(missing.statusCode).toBe(404)
    expect(missing.headers['content-type']).not.toMatch(/text\/html/)
  })

  it('serves top-level files with a short cache and refuses dotfiles and traversal', async () => {
    const fav = await app.inject({ url: '/favicon.svg' })
    expect(fav.statusCode).toBe(200)
    expect(fav.headers['cache-control']).toBe('public, max-age=3600')
    for (const url of ['/.env', '/assets/../.env', '/assets/%2e%2e/.env', '/assets/..%2f.env']) {
      const res = await app.inject({ url })
      expect(res.body, url).not.toContain('SECRET')
    }
    expect((await app.inject({ url: '/missing.png' })).statusCode).toBe(404)
  })

  it('keeps API routes and API 404s in JSON', async () => {
    expect((await app.inject({ url: '/api/v1/thing' })).json()).toEqual({ ok: true })
    for (const url of ['/api/v1/nope', '/v1/nope', '/api']) {
      const res = await app.inject({ url })
      expect(res.statusCode, url).toBe(404)
      expect(res.headers['content-type']).toMatch(/application\/json/)
    }
  })
})

describe('web routes in the real app', () => {
  let env: TestEnv
  beforeAll(async () => {
    env = await createTestEnv('sqlite')
  })
  afterAll(async () => {
    await env.close()
  })

  it('serves the app without auth while every API route still needs it', async () => {
    const page = await env.app.inject({ url: '/keys' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY)
    expect((await env.app.inject({ url: '/api/v1/me' })).statusCode).toBe(401)
    expect((await env.app.inject({ url: '/api/v1/me', headers: env.auth('member') })).statusCode).toBe(200)
    expect((await env.app.inject({ url: '/healthz' })).json()).toEqual({ ok: true })
    const unknown = await env.app.inject({ url: '/api/v1/does-not-exist' })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().error.code).toBe('route_not_found')
  })
})
