/**
 * Outgrowing the embedded default (issue 17): a furnished embedded installation — sealed keys
 * of two provider kinds, a route, a budget, members and tokens, a finished workflow run with
 * sealed output, metered calls and their audit chain — is copied with the real
 * `latchkey migrate-db --to postgres://…` while its server still runs. A server on the
 * PostgreSQL copy (same master key) then calls the provider with the copied key, verifies the
 * whole chain, reports the same usage, reads the run's output and accepts the old tokens.
 * A second copy into the same database is refused.
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateEmbeddedToPostgres } from '../../src/ops/migrate-db.js'
import { createTestEnv, PG_URL } from '../helpers.js'
import { join } from '../security/security-helpers.js'
import { createE2eEnv, type E2eEnv, OPENAI_KEY } from '../workflows/e2e-env.js'

const run = promisify(execFile)
const BIN = path.resolve(import.meta.dirname, '../../bin/latchkey.js')
const MASTER = Buffer.alloc(32, 7).toString('base64')

const RECIPE = `
name: migrated-flow
inputs: { text: string }
steps:
  - id: draft
    model: oa/gpt-4o-mini
    prompt: "Say hello to {{ inputs.text }}"
`

describe.skipIf(!PG_URL)('latchkey migrate-db (embedded SQLite → PostgreSQL)', { timeout: 240_000 }, () => {
  let src: E2eEnv
  let admin: pg.Client
  let dstUrl: string
  let dstDb: string
  const before: Record<string, unknown> = {}

  const get = async (env: { app: E2eEnv['app'] }, h: Record<string, string>, url: string) => {
    const r = await env.app.inject({ method: 'GET', url, headers: h })
    expect(r.statusCode, `${url}: ${r.body}`).toBe(200)
    return r.json()
  }

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: PG_URL })
    await admin.connect()
    dstDb = `lk_migdb_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
    await admin.query(`create database ${dstDb}`)
    const u = new URL(PG_URL!)
    u.pathname = `/${dstDb}`
    dstUrl = u.toString()

    src = await createE2eEnv('sqlite')
    const h = src.auth('admin')
    const post = async (url: string, payload: object, status = 201) => {
      const r = await src.app.inject({ method: 'POST', url, headers: h, payload })
      expect(r.statusCode, `${url}: ${r.body}`).toBe(status)
      return r.json()
    }
    await post('/api/v1/routes', { alias: 'smart', targets: [{ model: 'oa/gpt-4o-mini' }] })
    await post('/api/v1/budgets', { name: 'team', scope: 'org', window: 'month', limitUsd: 100 })
    await join(src, 'migrated-member@example.test', 'member')
    const wf = await post('/api/v1/workflows', { yaml: RECIPE })
    const started = await post(`/api/v1/workflows/${wf.id}/runs`, { inputs: { text: 'world' } }, 202)
    const done = await get(src, h, `/api/v1/runs/${started.id}?wait=30`)
    expect(done.status).toBe('succeeded')
    for (const model of ['oa/gpt-4o-mini', 'smart', 'an/claude-sonnet-4-5']) {
      const r = await src.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: h,
        payload: { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 20 },
      })
      expect(r.statusCode, r.body).toBe(200)
    }
    await src.rt.usage.writer.flush()
    before.credentials = (await get(src, h, '/api/v1/credentials')).data
    before.workflows = (await get(src, h, '/api/v1/workflows')).data
    before.run = { id: started.id, output: done.output }
    before.usage = (await get(src, src.auth('auditor'), '/api/v1/usage?groupBy=credential')).data
    before.audit = await get(src, src.auth('auditor'), '/api/v1/audit/verify')
    expect(before.audit).toMatchObject({ ok: true })
  })

  afterAll(async () => {
    await src?.close()
    await admin?.query(`drop database if exists ${dstDb} with (force)`)
    await admin?.end()
  })

  it('copies a running installation with the real CLI, every table checked', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LATCHKEY_HOME: src.home,
      LATCHKEY_MASTER_KEY: MASTER,
      LATCHKEY_LOG_LEVEL: 'silent',
      REDIS_URL: '',
    }
    delete env.DATABASE_URL
    const r = await run(process.execPath, [BIN, 'migrate-db', '--to', dstUrl], { env })
    expect(r.stderr).toMatch(/audit_log: (\d+)\/\1 rows/)
    expect(r.stderr).toMatch(/credentials: 2\/2 rows/)
    expect(r.stderr).toMatch(/every table checked/)
    // Never the connection's password, never a key.
    expect(r.stderr).not.toContain(OPENAI_KEY)
  })

  it('a second copy into the same database is refused, and leaves it as it was', async () => {
    const dst = new pg.Client({ connectionString: dstUrl })
    await dst.connect()
    const rows = async () => Number((await dst.query('select count(*) as n from audit_log')).rows[0].n)
    try {
      const n = await rows()
      await expect(
        migrateEmbeddedToPostgres({ sqliteFile: path.join(src.home, 'latchkey.db'), targetUrl: dstUrl }),
      ).rejects.toThrow(/not empty/)
      expect(await rows()).toBe(n)
    } finally {
      await dst.end()
    }
  })

  it('a server on the copy uses the copied keys, verifies the chain and keeps usage, runs and tokens', async () => {
    const dst = await createTestEnv('sqlite', {
      env: { DATABASE_URL: dstUrl, LATCHKEY_MASTER_KEY: MASTER },
    })
    try {
      const h = dst.auth('admin')
      expect((await get(dst, h, '/api/v1/credentials')).data).toEqual(before.credentials)
      expect((await get(dst, h, '/api/v1/workflows')).data).toEqual(before.workflows)
      const runAfter = await get(dst, h, `/api/v1/runs/${(before.run as { id: string }).id}`)
      expect(runAfter.output).toEqual((before.run as { output: unknown }).output)
      expect((await get(dst, dst.auth('auditor'), '/api/v1/usage?groupBy=credential')).data).toEqual(
        before.usage,
      )
      const verify = await get(dst, dst.auth('auditor'), '/api/v1/audit/verify')
      expect(verify).toMatchObject({ ok: true })
      expect(verify.count).toBeGreaterThanOrEqual((before.audit as { count: number }).count)
      // The source's own tokens still sign in.
      await get(dst, src.auth('admin'), '/api/v1/me')
      // The sealed key opens under the same master key and goes to its upstream.
      const sent = src.openai.requests.length
      const r = await dst.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: h,
        payload: { model: 'oa/gpt-4o-mini', messages: [{ role: 'user', content: 'after the move' }] },
      })
      expect(r.statusCode, r.body).toBe(200)
      expect(src.openai.requests[sent]?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`)
    } finally {
      await dst.close()
    }
  })
})
