/**
 * Outgrowing the embedded default: copy an embedded (SQLite) installation into an empty
 * PostgreSQL database, as it is — sealed keys stay sealed under the same master key (the copy
 * never opens them), the audit chain keeps its hashes and MACs, usage, workflows and runs keep
 * their ids.
 *
 * 1. A consistent snapshot of the SQLite file (online backup API), brought to this version's
 *    schema, so a server still running cannot tear the copy.
 * 2. The target must hold no Latchkey data; it gets the same migrations.
 * 3. Every table is copied in foreign-key order inside ONE PostgreSQL transaction: a failure
 *    leaves the target as it was (empty), never half-written.
 * 4. Each table is checked after the copy: same row count and the same rows (an
 *    order-independent digest of every row's values), before the transaction commits.
 * @module
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { type Kysely, sql } from 'kysely'
import { openDatabase, pingDatabase } from '../db/database.js'
import { migrateToLatest } from '../db/migrate.js'
import { BackupError, backupSqlite } from './backup.js'

export interface MigrateDbProgress {
  table: string
  done: number
  total: number
}

export interface MigrateDbResult {
  tables: { name: string; rows: number }[]
}

/** Kysely's own bookkeeping: the target has its own from running the migrations. */
const SKIP = new Set(['kysely_migration', 'kysely_migration_lock'])
/** PostgreSQL takes at most 65,535 parameters per statement. */
const MAX_PARAMS = 30_000

export async function migrateEmbeddedToPostgres(opts: {
  sqliteFile: string
  targetUrl: string
  onProgress?: (p: MigrateDbProgress) => void
}): Promise<MigrateDbResult> {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-migrate-db-'))
  const snapshot = path.join(tmpDir, 'snapshot.db')
  const target = openDatabase({ url: opts.targetUrl })
  try {
    await backupSqlite(opts.sqliteFile, snapshot)
    const src = openDatabase({ file: snapshot })
    try {
      await migrateToLatest(src)
    } finally {
      await src.close()
    }
    await pingDatabase(target)
    await refuseNonEmpty(target.db as Kysely<unknown>)
    await migrateToLatest(target)
    const db = new SqliteDatabase(snapshot, { readonly: true, fileMustExist: true })
    try {
      const tables = copyOrder(db)
      const result: MigrateDbResult = { tables: [] }
      await (target.db as Kysely<unknown>).transaction().execute(async (trx) => {
        // Rows the target's own migrations seeded are replaced by the source's.
        for (const t of [...tables].reverse()) await sql`delete from ${sql.table(t)}`.execute(trx)
        for (const t of tables) {
          const rows = await copyTable(db, trx, t, opts.onProgress)
          await checkTable(db, trx, t)
          result.tables.push({ name: t, rows })
        }
      })
      return result
    } finally {
      db.close()
    }
  } finally {
    await target.close()
    fs.rmSync(tmpDir, { recursive: true, force: true })
  }
}

/** Tables whose rows mean a live installation (migrations seed only bookkeeping rows). */
const LIVE_DATA = ['orgs', 'users', 'audit_log', 'credentials', 'usage_records']

async function refuseNonEmpty(db: Kysely<unknown>): Promise<void> {
  const r = await sql<{ t: string }>`select table_name as t from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)
  const present = new Set(r.rows.map((row) => row.t))
  for (const t of LIVE_DATA) {
    if (!present.has(t)) continue
    const n = await sql<{ n: string }>`select count(*) as n from ${sql.table(t)}`.execute(db)
    if (Number(n.rows[0]?.n) > 0) {
      throw new BackupError(
        `the target database is not empty (${t} has rows): migrate into a new, empty database`,
      )
    }
  }
}

/** Tables of the snapshot, parents before the tables that reference them. */
function copyOrder(db: SqliteDatabase.Database): string[] {
  const names = (
    db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").all() as {
      name: string
    }[]
  )
    .map((r) => r.name)
    .filter((n) => !SKIP.has(n))
    .sort()
  const parents = new Map(
    names.map((n) => [
      n,
      (db.prepare(`select "table" as t from pragma_foreign_key_list(?)`).all(n) as { t: string }[]).map(
        (r) => r.t,
      ),
    ]),
  )
  const out: string[] = []
  const seen = new Set<string>()
  const visit = (n: string) => {
    if (seen.has(n)) return
    seen.add(n)
    for (const p of parents.get(n) ?? []) if (p !== n && names.includes(p)) visit(p)
    out.push(n)
  }
  for (const n of names) visit(n)
  return out
}

async function copyTable(
  db: SqliteDatabase.Database,
  trx: Kysely<unknown>,
  table: string,
  onProgress?: (p: MigrateDbProgress) => void,
): Promise<number> {
  const total = (db.prepare(`select count(*) as n from "${table}"`).get() as { n: number }).n
  const columns = (db.prepare('select name from pragma_table_info(?)').all(table) as { name: string }[]).map(
    (c) => c.name,
  )
  const batchSize = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, columns.length)))
  let batch: Record<string, unknown>[] = []
  let done = 0
  const flush = async () => {
    if (batch.length === 0) return
    await (trx as Kysely<Record<string, Record<string, unknown>>>).insertInto(table).values(batch).execute()
    done += batch.length
    batch = []
    onProgress?.({ table, done, total })
  }
  onProgress?.({ table, done: 0, total })
  for (const row of db.prepare(`select * from "${table}"`).iterate() as Iterable<Record<string, unknown>>) {
    batch.push(row)
    if (batch.length >= batchSize) await flush()
  }
  await flush()
  return done
}

/** Same rows on both sides: count and an order-independent digest of every row's values. */
async function checkTable(db: SqliteDatabase.Database, trx: Kysely<unknown>, table: string): Promise<void> {
  const source = digest(db.prepare(`select * from "${table}"`).iterate() as Iterable<Record<string, unknown>>)
  const copied = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(trx)
  const target = digest(copied.rows)
  if (source.count !== target.count || source.hash !== target.hash) {
    throw new BackupError(
      `copy check failed for ${table}: ${source.count} rows in the source, ${target.count} in the target${source.count === target.count ? ' (values differ)' : ''}`,
    )
  }
}

function digest(rows: Iterable<Record<string, unknown>>): { count: number; hash: string } {
  // Both drivers hand numbers back in their own types (PostgreSQL bigint as text): compare text.
  const hashes: string[] = []
  for (const row of rows) {
    const canon = Object.keys(row)
      .sort()
      .map((k) => `${k}=${row[k] === null ? '\u0000' : String(row[k])}`)
      .join('\u0001')
    hashes.push(createHash('sha256').update(canon).digest('hex'))
  }
  hashes.sort()
  return { count: hashes.length, hash: createHash('sha256').update(hashes.join('')).digest('hex') }
}
