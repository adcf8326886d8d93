/**
 * Restore drill (issue 17): a running installation with a sealed provider key, metered calls
 * and an audit chain is backed up online with the real `latchkey backup`, its database wiped,
 * `latchkey restore` brings it back, and a server on the restored data (same master key)
 * still calls the provider with that key and verifies the whole chain. The backup never holds
 * the master key; restoring over an existing database needs --force.
 * PostgreSQL: `pg_dump`/`pg_restore` through the same commands, into a fresh database.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeUpstream, startFakeOpenAI } from '../fakes/openai-upstream.js'
import { createTestEnv, PG_URL, type TestEnv, tempHome } from '../helpers.js'

const run = promisify(execFile)
const BIN = path.resolve(import.meta.dirname, '../../bin/latchkey.js')
const UPSTREAM_KEY = 'sk-fake-upstream-key-0123456789'
const MASTER = Buffer.alloc(32, 7).toString('base64')

async function cli(args: string[], env: Record<string, string>) {
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    LATCHKEY_LOG_LEVEL: 'silent',
    LATCHKEY_MASTER_KEY: MASTER,
    REDIS_URL: '',
  }
  delete base.DATABASE_URL
  return run(process.execPath, [BIN, ...args], { env: { ...base, ...env } })
}

async function seed(env: TestEnv, fake: FakeUpstream): Promise<void> {
  const created = await env.app.inject({
    method: 'POST',
    url: '/api/v1/credentials',
    headers: env.auth('owner'),
    payload: { name: 'oa', provider: 'openai', apiKey: UPSTREAM_KEY, baseUrl: fake.baseUrl },
  })
  expect(created.statusCode, created.body).toBe(201)
  for (let i = 0; i < 5; i++) {
    const r = await env.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: env.auth('member'),
      payload: { model: 'oa/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    })
    expect(r.statusCode, r.body).toBe(200)
  }
  await env.rt.usage.writer.flush()
}

async function check(env: TestEnv, fake: FakeUpstream, records: number): Promise<void> {
  const before = fake.requests.length
  const r = await env.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: env.auth('member'),
    payload: { model: 'oa/gpt-4o-mini', messages: [{ role: 'user', content: 'after restore' }] },
  })
  expect(r.statusCode, r.body).toBe(200)
  expect(fake.requests[before]?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`)
  const v = await env.app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: env.auth('auditor') })
  expect(v.json()).toMatchObject({ ok: true })
  expect(v.json().count).toBeGreaterThanOrEqual(records)
}

describe('restore drill', { timeout: 240_000 }, () => {
  let fake: FakeUpstream
  beforeAll(async () => {
    fake = await startFakeOpenAI()
  })
  afterAll(async () => {
    await fake.close()
  })

  it('embedded SQLite: online backup, wipe, restore, keys usable, chain verifies', async () => {
    const env = await createTestEnv('sqlite')
    const home = env.home
    const out = path.join(tempHome(), 'latchkey.backup')
    try {
      await seed(env, fake)
      const records = (await env.rt.db.db.selectFrom('audit_log').select('id').execute()).length
      // Online: the server is still running while the backup is taken.
      const b = await cli(['backup', '--out', out], { LATCHKEY_HOME: home })
      expect(b.stderr).toMatch(/backup written/)
      expect(fs.statSync(out).mode & 0o777).toBe(0o600)
      const bytes = fs.readFileSync(out)
      expect(bytes.includes(Buffer.from(MASTER))).toBe(false)
      expect(bytes.includes(Buffer.alloc(32, 7))).toBe(false)
      expect(bytes.includes(Buffer.from(UPSTREAM_KEY))).toBe(false)
      await env.app.close()
      await env.rt.close()

      // Restoring over a database that exists needs --force; then wipe and restore.
      await expect(cli(['restore', out], { LATCHKEY_HOME: home })).rejects.toMatchObject({
        stderr: expect.stringMatching(/--force/),
      })
      for (const f of fs.readdirSync(home)) if (f.startsWith('latchkey.db')) fs.rmSync(path.join(home, f))
      const r = await cli(['restore', out], { LATCHKEY_HOME: home })
      expect(r.stderr).toMatch(/restored from/)

      const again = await createTestEnv('sqlite', { env: { LATCHKEY_HOME: home } })
      try {
        // The tokens of the new env are new; the credential and the chain are the restored ones.
        await check(again, fake, records)
      } finally {
        await again.close()
      }
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true })
    }
  })

  it('refuses a file that is not a backup', async () => {
    const home = tempHome()
    const junk = path.join(home, 'junk')
    fs.writeFileSync(junk, 'not a database')
    await expect(cli(['restore', junk], { LATCHKEY_HOME: home })).rejects.toMatchObject({
      stderr: expect.stringMatching(/not an SQLite backup/),
    })
    fs.rmSync(home, { recursive: true, force: true })
  })

  it.skipIf(!PG_URL)('PostgreSQL: pg_dump backup restored into a fresh database', async () => {
    const admin = new pg.Client({ connectionString: PG_URL })
    await admin.connect()
    const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
    const [srcDb, dstDb] = [`lk_scale_src_${stamp}`, `lk_scale_dst_${stamp}`]
    const url = (db: string) => {
      const u = new URL(PG_URL!)
      u.pathname = `/${db}`
      return u.toString()
    }
    const out = path.join(tempHome(), 'pg.backup')
    await admin.query(`create database ${srcDb}`)
    await admin.query(`create database ${dstDb}`)
    try {
      // A whole database of its own (not a test schema), as an installation has.
      const env = await createTestEnv('sqlite', { env: { DATABASE_URL: url(srcDb) } })
      let records: number
      try {
        await seed(env, fake)
        records = (await env.rt.db.db.selectFrom('audit_log').select('id').execute()).length
        const dump = await cli(['backup', '--out', out], {
          DATABASE_URL: url(srcDb),
          LATCHKEY_HOME: env.home,
        })
        expect(dump.stderr).toMatch(/pg_dump/)
      } finally {
        await env.close()
      }
      expect(fs.readFileSync(out).includes(Buffer.from(UPSTREAM_KEY))).toBe(false)
      const home = tempHome()
      const r = await cli(['restore', out], { DATABASE_URL: url(dstDb), LATCHKEY_HOME: home })
      expect(r.stderr).toMatch(/restored from/)
      // Restoring again over the restored data is refused.
      await expect(
        cli(['restore', out], { DATABASE_URL: url(dstDb), LATCHKEY_HOME: home }),
      ).rejects.toMatchObject({
        stderr: expect.stringMatching(/not empty/),
      })
      const again = await createTestEnv('sqlite', { env: { DATABASE_URL: url(dstDb) } })
      try {
        await check(again, fake, records)
      } finally {
        await again.close()
      }
    } finally {
      await admin.query(`drop database if exists ${srcDb} with (force)`)
      await admin.query(`drop database if exists ${dstDb} with (force)`)
      await admin.end()
      fs.rmSync(path.dirname(out), { recursive: true, force: true })
    }
  })
})
