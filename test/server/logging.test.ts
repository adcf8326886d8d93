import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/server/logger.js'
import { createTestEnv, type TestEnv } from '../helpers.js'

describe('logs never carry secrets or bodies', () => {
  let env: TestEnv
  let lines = ''
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines += chunk
        cb()
      },
    })
    const logger = createLogger('trace', { destination: sink, pretty: false })
    env = await createTestEnv('sqlite', { runtime: { logger } })
  })
  afterAll(async () => {
    await env?.close()
  })

  it('redacts authorization, cookies and body content at trace level', async () => {
    const canary = `canary-${Math.random().toString(36).slice(2)}`
    await env.app.inject({ method: 'GET', url: `/api/v1/me?x=${canary}`, headers: env.auth() })
    await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: env.auth(),
      payload: { name: canary },
    })
    await env.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'a@b.co', password: canary },
    })
    await env.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { cookie: `lk_session=${canary}xxxxxxxxxxxxxxxxxxxx` },
    })
    await env.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer lk_${canary}` },
    })
    expect(lines.length).toBeGreaterThan(0)
    const leak = lines.split('\n').find((l) => l.includes(canary))
    expect(leak).toBeUndefined()
    for (const t of Object.values(env.tokens)) expect(lines).not.toContain(t)
  })
})
