import fs from 'node:fs'
import path from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { SqliteDialect } from 'kysely'

/** Opens the embedded database with the pragmas a server needs (WAL, FKs, busy timeout). */
export function createSqliteDialect(file: string): { dialect: SqliteDialect; raw: SqliteDatabase.Database } {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  const raw = new SqliteDatabase(file)
  raw.pragma('journal_mode = WAL')
  raw.pragma('foreign_keys = ON')
  // Several processes (server + CLI, two servers at start) may write at once; wait instead of failing.
  raw.pragma('busy_timeout = 10000')
  raw.pragma('synchronous = NORMAL')
  return { dialect: new SqliteDialect({ database: raw }), raw }
}
