/**
 * Opens the configured database: embedded SQLite by default, PostgreSQL when a URL is given.
 * Dialect differences stay in this folder and are exposed as a small capabilities object.
 * @module
 */
import path from 'node:path'
import { Kysely } from 'kysely'
import { createPostgresDialect } from './dialects/postgres.js'
import { createSqliteDialect } from './dialects/sqlite.js'
import type { Database } from './schema.js'

export type DialectName = 'sqlite' | 'postgres'

export interface DbHandle {
  db: Kysely<Database>
  dialect: DialectName
  /** SQLite file path, for tests and diagnostics (undefined on PostgreSQL). */
  file?: string
  close(): Promise<void>
}

export interface OpenOptions {
  /** postgres:// URL; when absent the SQLite file under `home` is used. */
  url?: string
  home?: string
  /** SQLite file override (":memory:" allowed). */
  file?: string
  /** PostgreSQL schema (search_path). */
  schema?: string
}

export function openDatabase(opts: OpenOptions): DbHandle {
  if (opts.url) {
    const { dialect, pool } = createPostgresDialect({ url: opts.url, schema: opts.schema })
    const db = new Kysely<Database>({ dialect })
    let closed = false
    return {
      db,
      dialect: 'postgres',
      async close() {
        if (closed) return
        closed = true
        await db.destroy().catch(() => pool.end())
      },
    }
  }
  const file = opts.file ?? path.join(opts.home ?? '.latchkey', 'latchkey.db')
  const { dialect } = createSqliteDialect(file)
  const db = new Kysely<Database>({ dialect })
  let closed = false
  return {
    db,
    dialect: 'sqlite',
    file,
    async close() {
      if (closed) return
      closed = true
      await db.destroy()
    },
  }
}

/** Checks that the database answers; throws an Error with a one-line reason otherwise. */
export async function pingDatabase(handle: DbHandle): Promise<void> {
  const { sql } = await import('kysely')
  try {
    await sql`select 1`.execute(handle.db)
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err)
    const where = handle.dialect === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `SQLite (${handle.file})`
    throw new Error(`cannot reach ${where}: ${reason}`)
  }
}
