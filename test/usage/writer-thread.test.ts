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
    const t = new SqliteWriterThread(file)
    const line = journalLine('use_t1', callEvent('org_t'))
    await expect(t.write([line], [false])).rejects.toThrow(/no such table/)
    await t.close()

    // The same batch against a migrated database: written once, and a replay (check) is skipped.
    const env = await createTestEnv('sqlite')
    try {
      const dbFile = (env.rt.db as { file?: string }).file!
      const t2 = new SqliteWriterThread(dbFile)
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
})
