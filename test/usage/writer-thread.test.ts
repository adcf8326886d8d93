/** The SQLite usage writer's worker thread: batches commit off the main thread; errors come back as errors. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { journalLine } from '../../src/usage/journal.js'
import { SqliteWriterThread } from '../../src/usage/sqlite-writer-thread.js'
import { createTestEnv } from '../helpers.js'
import { callEvent } from './fixtures.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
})

describe('SqliteWriterThread', () => {
  it('reports a database error with its message, then writes once the tables exist', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-wthread-'))
    dirs.push(dir)
    const file = path.join(dir, 'bare.db')
    new SqliteDatabase(file).close()
    const t = new SqliteWriterThread(file, Buffer.alloc(32, 1))
    const line = journalLine('use_t1', callEvent('org_t'))
    await expect(t.write([line], [false])).rejects.toThrow(/no such table/)
    await t.close()

    // The same batch against a migrated database: written once, and a replay (check) is skipped.
    const env = await createTestEnv('sqlite')
    try {
      const dbFile = (env.rt.db as { file?: string }).file!
      const t2 = new SqliteWriterThread(dbFile, env.rt.usage.chainMac.exportKey())
      expect(await t2.write([line], [false])).toBe(1)
      expect(await t2.write([line], [true])).toBe(0)
      await t2.close()
      const row = await env.rt.db.db
        .selectFrom('usage_records')
        .select(['id', 'org_id'])
        .where('id', '=', 'use_t1')
        .executeTakeFirst()
      expect(row).toEqual({ id: 'use_t1', org_id: 'org_t' })
    } finally {
      await env.close()
    }
  })

  it('carries batches through the shared buffer, and as strings when they do not fit or overlap', async () => {
    const env = await createTestEnv('sqlite')
    try {
      const dbFile = (env.rt.db as { file?: string }).file!
      const t = new SqliteWriterThread(dbFile, env.rt.usage.chainMac.exportKey())
      const batch = (tag: string, n: number, pad = 0) =>
        Array.from({ length: n }, (_, i) =>
          journalLine(`use_${tag}_${i}`, callEvent('org_sb', { requestedModel: `m/${'é'.repeat(pad)}` })),
        )
      // Small (shared buffer), over 1 MB (strings), and two in flight at once (the second as strings).
      expect(await t.write(batch('a', 150), new Array(150).fill(false))).toBe(150)
      expect(await t.write(batch('b', 40, 20_000), new Array(40).fill(false))).toBe(40)
      const [x, y] = await Promise.all([
        t.write(batch('c', 30), new Array(30).fill(false)),
        t.write(batch('d', 30), new Array(30).fill(false)),
      ])
      expect([x, y]).toEqual([30, 30])
      await t.close()
      const rows = await env.rt.db.db
        .selectFrom('usage_records')
        .select(['id', 'requested_model'])
        .where('org_id', '=', 'org_sb')
        .execute()
      expect(rows).toHaveLength(250)
      expect(rows.find((r) => r.id === 'use_b_0')?.requested_model).toMatch(/^m\/é+$/)
    } finally {
      await env.close()
    }
  })
})
