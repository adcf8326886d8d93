import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Principal } from '../../src/identity/principal.js'
import { createRuntime, type Runtime } from '../../src/server/runtime.js'
import { createTestEnv, DIALECTS, REDIS_URL, type TestEnv } from '../helpers.js'
import { createCredential } from './vault-helpers.js'

const newKey = () => `sk-rot-${randomBytes(16).toString('hex')}`

async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await cond()) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe.each(DIALECTS)('credential rotation and revocation (%s)', (dialect) => {
  let env: TestEnv
  let p: Principal
  beforeAll(async () => {
    env = await createTestEnv(dialect, { redis: true })
    p = (await env.rt.auth.authenticateToken(env.tokens.member))!
  })
  afterAll(async () => {
    await env?.close()
  })

  it('serves every lookup during rotations; after each rotation only the new key', async () => {
    const keys = [newKey()]
    const c = await createCredential(env, env.auth('admin'), {
      name: 'busy',
      provider: 'openai',
      apiKey: keys[0],
      scope: 'org',
    })
    let stop = false
    const seen = new Set<string>()
    const failures: unknown[] = []
    const workers = Array.from({ length: 6 }, async () => {
      while (!stop) {
        try {
          const m = await env.rt.credentials.find(p, 'busy')
          if (!m?.apiKey || !keys.includes(m.apiKey)) failures.push('unknown material')
          else seen.add(m.apiKey)
        } catch (err) {
          failures.push(err)
        }
        await new Promise((r) => setImmediate(r))
      }
    })
    for (let v = 2; v <= 6; v++) {
      const k = newKey()
      keys.push(k)
      const r = await env.app.inject({
        method: 'POST',
        url: `/api/v1/credentials/${c.json.id}/rotate`,
        headers: env.auth('admin'),
        payload: { apiKey: k },
      })
      expect(r.statusCode).toBe(200)
      // The switch is immediate: the next lookup sees this version.
      const m = await env.rt.credentials.find(p, 'busy')
      expect(m).toMatchObject({ apiKey: k, version: v })
    }
    stop = true
    await Promise.all(workers)
    expect(failures).toEqual([])
    expect(seen.size).toBeGreaterThan(1)
  })

  it('keeps the material an in-flight request already holds', async () => {
    const k1 = newKey()
    const c = await createCredential(env, env.auth('admin'), {
      name: 'inflight',
      provider: 'openai',
      apiKey: k1,
      scope: 'org',
    })
    const held = await env.rt.credentials.find(p, 'inflight')
    await env.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${c.json.id}/rotate`,
      headers: env.auth('admin'),
      payload: { apiKey: newKey() },
    })
    expect(held?.apiKey).toBe(k1)
    expect(Object.isFrozen(held)).toBe(true)
  })

  it('revocation applies to the next lookup, here and on another instance', async () => {
    const other = await secondInstance(env)
    try {
      const c = await createCredential(env, env.auth('admin'), {
        name: 'gone-soon',
        provider: 'openai',
        apiKey: newKey(),
        scope: 'org',
      })
      expect(await other.credentials.find(p, 'gone-soon')).not.toBeNull()
      const k2 = newKey()
      await env.app.inject({
        method: 'POST',
        url: `/api/v1/credentials/${c.json.id}/rotate`,
        headers: env.auth('admin'),
        payload: { apiKey: k2 },
      })
      await until(
        async () => (await other.credentials.find(p, 'gone-soon'))?.apiKey === k2,
        'rotation on the other instance',
      )
      const del = await env.app.inject({
        method: 'DELETE',
        url: `/api/v1/credentials/${c.json.id}`,
        headers: env.auth('admin'),
      })
      expect(del.statusCode).toBe(204)
      expect(await env.rt.credentials.find(p, 'gone-soon')).toBeNull()
      await until(
        async () => (await other.credentials.find(p, 'gone-soon')) === null,
        'revocation on the other instance',
      )
    } finally {
      await other.close()
    }
  })
})

/** Another runtime on the same database (and Redis, when the env has it), like a second server. */
async function secondInstance(env: TestEnv): Promise<Runtime> {
  let pgSchema: string | undefined
  if (env.rt.db.dialect === 'postgres') {
    pgSchema = (await sql<{ s: string }>`select current_schema() as s`.execute(env.rt.db.db)).rows[0]!.s
  }
  return createRuntime(
    { ...env.config, ...(REDIS_URL && env.rt.redis ? { redisUrl: REDIS_URL } : {}) },
    {
      logger: pino({ level: 'silent' }),
      processMetrics: false,
      sqliteFile: env.rt.db.file,
      pgSchema,
      busPollMs: 100,
    },
  )
}
