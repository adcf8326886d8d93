import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/database.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { migrations } from '../../src/db/migrations/index.js'
import { freshPgSchema, PG_URL, tempHome } from '../helpers.js'

const run = promisify(execFile)
const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const c of cleanups) await c()
})

async function open(dialect: 'sqlite' | 'postgres') {
  if (dialect === 'postgres') {
    const s = await freshPgSchema()
    cleanups.push(s.drop)
    return () => openDatabase({ url: PG_URL, schema: s.schema })
  }
  const file = path.join(tempHome(), 'latchkey.db')
  return () => openDatabase({ file })
}

/** A fresh database and a migrator over every migration, to stop at an older one first. */
async function stoppedBefore(dialect: 'sqlite' | 'postgres') {
  const h = (await open(dialect))()
  const { Migrator } = await import('kysely')
  const schema =
    dialect === 'postgres'
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(h.db)).rows[0]?.s
      : undefined
  const before = new Migrator({
    db: h.db as never,
    provider: { getMigrations: async () => migrations },
    ...(schema ? { migrationTableSchema: schema } : {}),
  })
  return { h, before }
}

const dialects = PG_URL ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const)

describe.each(dialects)('migrations (%s)', (dialect) => {
  it('apply every migration once, and again is a no-op', async () => {
    const mk = await open(dialect)
    const h = mk()
    const first = await migrateToLatest(h)
    expect(first.applied).toEqual(Object.keys(migrations))
    const second = await migrateToLatest(h)
    expect(second.applied).toEqual([])
    await h.close()
  })

  it('are safe when several instances start at once', { timeout: 120_000 }, async () => {
    if (dialect === 'sqlite') {
      // better-sqlite3 waits for locks synchronously, so concurrent starters must be real
      // processes (as they are in production): three `latchkey migrate` at once on one file.
      const home = tempHome()
      const bin = path.resolve(import.meta.dirname, '../../bin/latchkey.js')
      const env = { ...process.env, LATCHKEY_HOME: home, DATABASE_URL: '' }
      const outs = await Promise.all([1, 2, 3].map(() => run(process.execPath, [bin, 'migrate'], { env })))
      const applied = outs.filter((o) => o.stderr.includes('applied:'))
      expect(applied).toHaveLength(1)
      const h = openDatabase({ home })
      expect((await migrateToLatest(h)).applied).toEqual([])
      await h.close()
      return
    }
    const mk = await open(dialect)
    const handles = [mk(), mk(), mk()]
    const results = await Promise.all(handles.map((h) => migrateToLatest(h)))
    const applied = results.flatMap((r) => r.applied)
    expect(applied.sort()).toEqual(Object.keys(migrations).sort())
    for (const h of handles) await h.close()
  })

  it('0007 marks password-less members pending and disables keys of members who already left', async () => {
    const { h, before } = await stoppedBefore(dialect)
    expect((await before.migrateTo('0006-key-custody')).error).toBeUndefined()
    const db = h.db as unknown as import('kysely').Kysely<Record<string, Record<string, unknown>>>
    await db.insertInto('orgs').values({ id: 'o', name: 'O', settings: '{}', created_at: 1 }).execute()
    for (const [id, hash] of [
      ['joined', 'h'],
      ['invited', null],
      ['left', 'h'],
    ] as const) {
      await db
        .insertInto('users')
        .values({ id, email: `${id}@x`, name: null, password_hash: hash, created_at: 1, disabled_at: null })
        .execute()
    }
    for (const id of ['joined', 'invited']) {
      await db
        .insertInto('org_memberships')
        .values({ org_id: 'o', user_id: id, role: 'member', created_at: 5 })
        .execute()
    }
    for (const owner of ['joined', 'left']) {
      await db
        .insertInto('credentials')
        .values({
          id: `c-${owner}`,
          org_id: 'o',
          workspace_id: null,
          owner_user_id: owner,
          scope: 'personal',
          name: owner,
          name_key: `user:o:${owner}/${owner}`,
          provider: 'openai',
          base_url: 'https://api.openai.com/v1',
          region: null,
          models: '[]',
          version: 1,
          fingerprint: owner,
          fingerprint_key: null,
          last4: null,
          created_by: owner,
          created_at: 1,
          updated_at: 1,
          rotated_at: null,
          revoked_at: null,
        })
        .execute()
    }
    expect((await migrateToLatest(h)).applied).toContain('0007-pending-members-disabled-keys')
    const members = await db
      .selectFrom('org_memberships')
      .select(['user_id', 'pending_since'])
      .orderBy('user_id')
      .execute()
    expect(members.map((m) => [m.user_id, m.pending_since == null ? null : Number(m.pending_since)])).toEqual(
      [
        ['invited', 5],
        ['joined', null],
      ],
    )
    const creds = await db.selectFrom('credentials').select(['id', 'disabled_at']).orderBy('id').execute()
    expect(creds.map((c) => [c.id, c.disabled_at != null])).toEqual([
      ['c-joined', false],
      ['c-left', true],
    ])
    await h.close()
  })

  it('0011 turns double USD budget limits into exact micro-dollars', async () => {
    const { h, before } = await stoppedBefore(dialect)
    expect((await before.migrateTo('0010-audit-prune-mac')).error).toBeUndefined()
    const db = h.db as unknown as import('kysely').Kysely<Record<string, Record<string, unknown>>>
    const budget = (id: string, limit: number | null, tokens: number | null) => ({
      id,
      org_id: 'o',
      name: id,
      scope_type: 'org',
      scope_id: 'o',
      limit_usd: limit,
      limit_tokens: tokens,
      window: 'month',
      starts_at: null,
      ends_at: null,
      alert_url: null,
      created_by: null,
      created_at: 1,
      updated_at: 1,
    })
    await db
      .insertInto('budgets')
      .values([
        budget('a', 0.07, null),
        budget('b', 0.005, null),
        budget('c', null, 100),
        budget('d', 20, null),
      ])
      .execute()
    expect((await migrateToLatest(h)).applied).toContain('0011-budget-micro-usd')
    const rows = await db.selectFrom('budgets').selectAll().orderBy('id').execute()
    expect(rows.map((r) => [r.id, r.limit_micro_usd == null ? null : Number(r.limit_micro_usd)])).toEqual([
      ['a', 70_000],
      ['b', 5_000],
      ['c', null],
      ['d', 20_000_000],
    ])
    expect(rows[0]).not.toHaveProperty('limit_usd')
    await h.close()
  })

  it('leave no half-applied schema when a migration fails', async () => {
    const mk = await open(dialect)
    const h = mk()
    // A copy of the migration set whose last step creates a table and then fails.
    const { Migrator } = await import('kysely')
    const broken = {
      ...migrations,
      '9999-broken': {
        async up(db: import('kysely').Kysely<unknown>) {
          await db.schema.createTable('half_done').addColumn('id', 'integer').execute()
          throw new Error('boom')
        },
      },
    }
    const schema =
      dialect === 'postgres'
        ? (await sql<{ s: string }>`select current_schema() as s`.execute(h.db)).rows[0]?.s
        : undefined
    const migrator = new Migrator({
      db: h.db as never,
      provider: { getMigrations: async () => broken },
      migrationTableSchema: schema,
    })
    if (dialect === 'sqlite') {
      // Same all-or-nothing path as migrateToLatest: one immediate transaction around the run.
      await expect(
        h.db.connection().execute(async (conn) => {
          await sql`begin immediate`.execute(conn)
          const inner = new Migrator({ db: conn as never, provider: { getMigrations: async () => broken } })
          const { error } = await inner.migrateToLatest()
          await sql`rollback`.execute(conn)
          if (error) throw error
        }),
      ).rejects.toThrow('boom')
    } else {
      const { error } = await migrator.migrateToLatest()
      expect(String(error)).toMatch(/boom/)
    }
    const tables = (await h.db.introspection.getTables())
      .filter((t) => !schema || t.schema === schema)
      .map((t) => t.name)
    expect(tables).not.toContain('half_done')
    expect(tables).not.toContain('orgs')
    await h.close()
  })
})
