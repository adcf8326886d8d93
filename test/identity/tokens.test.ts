import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/config.js'
import { insertToken } from '../../src/identity/tokens-repo.js'
import { createRuntime, type Runtime } from '../../src/server/runtime.js'
import { createTestEnv, DIALECTS, REDIS_URL, type TestEnv } from '../helpers.js'

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  // Not a timing assertion: wait (generously) for an eventual effect, fail only if it never comes.
  for (let i = 0; i < 300; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`never happened: ${what}`)
}

describe.each(DIALECTS)('access token lifecycle (%s)', (dialect) => {
  let env: TestEnv
  beforeAll(async () => {
    env = await createTestEnv(dialect)
  })
  afterAll(async () => {
    await env?.close()
  })

  it('creates a token shown once, lists it without its value, revokes it at once', async () => {
    const created = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: env.auth(),
      payload: { name: 'ci-bot', scopes: ['gateway'] },
    })
    expect(created.statusCode).toBe(201)
    const body = created.json()
    expect(body.token).toMatch(/^lk_[A-Za-z0-9_-]{43}$/)
    expect(body.prefix).toBe(body.token.slice(0, 10))
    expect(body.role).toBe('member')
    const h = { authorization: `Bearer ${body.token}` }
    expect((await env.app.inject({ method: 'GET', url: '/api/v1/me', headers: h })).statusCode).toBe(200)

    const list = await env.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: env.auth() })
    expect(list.body).not.toContain(body.token)
    expect(list.body).not.toMatch(/token_hash|[0-9a-f]{64}/)
    expect(list.json().data.find((t: { id: string }) => t.id === body.id)).toMatchObject({
      name: 'ci-bot',
      scopes: ['gateway'],
      revokedAt: null,
    })

    // Scopes restrict areas: a gateway-only token cannot list members even with a role that could.
    expect((await env.app.inject({ method: 'GET', url: '/api/v1/workspaces', headers: h })).statusCode).toBe(
      403,
    )

    const del = await env.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${body.id}`,
      headers: env.auth(),
    })
    expect(del.statusCode).toBe(204)
    const after = await env.app.inject({ method: 'GET', url: '/api/v1/me', headers: h })
    expect(after.statusCode).toBe(401)
    expect(after.json().error.code).toBe('invalid_token')
  })

  it('refuses expired tokens', async () => {
    const { raw } = await insertToken(env.rt.db.db, {
      orgId: env.orgId,
      workspaceId: env.workspaceId,
      userId: null,
      name: 'old',
      role: 'owner',
      createdBy: 't',
      expiresAt: Date.now() - 1,
    })
    const r = await env.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${raw}` },
    })
    expect(r.statusCode).toBe(401)
  })

  it('records last use in the background', async () => {
    const created = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: env.auth(),
      payload: { name: 'used' },
    })
    await env.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${created.json().token}` },
    })
    await env.rt.auth.flushLastUsed()
    const list = await env.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: env.auth() })
    expect(list.json().data.find((t: { id: string }) => t.id === created.json().id).lastUsedAt).not.toBeNull()
  })

  it('answers malformed input with 400/413/415 in the right shape', async () => {
    const bad = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { ...env.auth(), 'content-type': 'application/json' },
      payload: '{"name":',
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.message).toMatch(/malformed JSON/)
    const type = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { ...env.auth(), 'content-type': 'text/plain' },
      payload: 'hi',
    })
    expect(type.statusCode).toBe(415)
    const big = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { ...env.auth(), 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(11 * 1024 * 1024) }),
    })
    expect(big.statusCode).toBe(413)
    // Management bodies stop at 1 MiB (names are 200 characters at most), well below the
    // 10 MiB the gateway and compare accept: refused before they are parsed.
    const overManagementLimit = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { ...env.auth(), 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 1) }),
    })
    expect(overManagementLimit.statusCode).toBe(413)
    expect(overManagementLimit.json().error.type).toBe('request_too_large')
    const underLimit = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { ...env.auth(), 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(512 * 1024) }),
    })
    expect(underLimit.statusCode).toBe(400) // parsed, then refused by the name's maxLength
  })
})

describe.each(DIALECTS)('revocation reaches other instances (%s%s)', (dialect) => {
  for (const withRedis of REDIS_URL ? [false, true] : [false]) {
    it(`second instance stops accepting a revoked token${withRedis ? ' (Redis pub/sub)' : ' (version polling)'}`, async () => {
      const env = await createTestEnv(dialect, { redis: withRedis })
      let other: Runtime | undefined
      try {
        // A second runtime on the same database (PostgreSQL schema or SQLite file).
        const cfg = loadConfig({
          ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LATCHKEY'))),
          LATCHKEY_HOME: env.home,
          LATCHKEY_MASTER_KEY: env.config.masterKey,
          ...(env.config.databaseUrl ? { DATABASE_URL: env.config.databaseUrl } : { DATABASE_URL: '' }),
          ...(withRedis && REDIS_URL ? { REDIS_URL } : { REDIS_URL: '' }),
        })
        other = await createRuntime(cfg, {
          logger: pino({ level: 'silent' }),
          processMetrics: false,
          pgSchema: env.pgSchema,
          busPollMs: 200,
        })
        const created = await env.app.inject({
          method: 'POST',
          url: '/api/v1/tokens',
          headers: env.auth(),
          payload: { name: 'shared' },
        })
        const raw = created.json().token
        expect(await other.auth.authenticateToken(raw)).not.toBeNull()
        await env.app.inject({
          method: 'DELETE',
          url: `/api/v1/tokens/${created.json().id}`,
          headers: env.auth(),
        })
        await eventually(
          async () => (await other!.auth.authenticateToken(raw)) === null,
          'revocation seen by the second instance',
        )
      } finally {
        await other?.close()
        await env.close()
      }
    })
  }
})
