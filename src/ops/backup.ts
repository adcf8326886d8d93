/**
 * Backups of the database, never of the master key: a backup holds provider keys sealed under
 * the master key, so whoever holds a backup still needs the key (kept apart, docs/deploy.md)
 * to use any of them.
 *
 * - Embedded SQLite: SQLite's online backup API (a consistent copy while the server runs and
 *   writes), checked with `integrity_check` before it is kept; file mode 0600.
 * - PostgreSQL: `pg_dump --format=custom` (the tool made for it: consistent snapshot, parallel
 *   restore), checked with `pg_restore --list`; restored with `pg_restore`.
 * @module
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import SqliteDatabase from 'better-sqlite3'

const run = promisify(execFile)

export interface BackupResult {
  file: string
  bytes: number
  format: 'sqlite' | 'pg_dump'
}

/** Thrown for an expected failure (the CLI prints the message alone). */
export class BackupError extends Error {
  override name = 'BackupError'
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0')

export async function backupSqlite(dbFile: string, out: string): Promise<BackupResult> {
  if (!fs.existsSync(dbFile)) throw new BackupError(`no database at ${dbFile} (check LATCHKEY_HOME)`)
  const tmp = `${out}.partial-${process.pid}`
  const src = new SqliteDatabase(dbFile, { readonly: true, fileMustExist: true })
  try {
    await src.backup(tmp)
  } finally {
    src.close()
  }
  try {
    fs.chmodSync(tmp, 0o600)
    checkSqlite(tmp)
    fs.renameSync(tmp, out)
  } catch (err) {
    fs.rmSync(tmp, { force: true })
    throw err
  }
  return { file: out, bytes: fs.statSync(out).size, format: 'sqlite' }
}

/** A Latchkey database that SQLite finds intact; throws a BackupError naming the problem. */
export function checkSqlite(file: string): void {
  const head = Buffer.alloc(16)
  const fd = fs.openSync(file, 'r')
  try {
    fs.readSync(fd, head, 0, 16, 0)
  } finally {
    fs.closeSync(fd)
  }
  if (!head.equals(SQLITE_MAGIC)) throw new BackupError(`${file} is not an SQLite backup`)
  const db = new SqliteDatabase(file, { readonly: true, fileMustExist: true })
  try {
    const ok = db.pragma('integrity_check', { simple: true })
    if (ok !== 'ok') throw new BackupError(`${file} is damaged: ${String(ok)}`)
    const t = db.prepare("select name from sqlite_master where type = 'table' and name = 'audit_log'").get()
    if (!t) throw new BackupError(`${file} is not a Latchkey database`)
  } finally {
    db.close()
  }
}

/** Replaces the embedded database with a backup (the server must be stopped). */
export function restoreSqlite(backup: string, dbFile: string, force: boolean): void {
  checkSqlite(backup)
  if (fs.existsSync(dbFile) && !force) {
    throw new BackupError(`${dbFile} exists: stop the server and pass --force to replace it`)
  }
  fs.mkdirSync(path.dirname(dbFile), { recursive: true, mode: 0o700 })
  const tmp = `${dbFile}.restore-${process.pid}`
  fs.copyFileSync(backup, tmp)
  fs.chmodSync(tmp, 0o600)
  // The old database's write-ahead log must not be replayed onto the restored file.
  for (const suffix of ['-wal', '-shm']) fs.rmSync(`${dbFile}${suffix}`, { force: true })
  fs.renameSync(tmp, dbFile)
}

export async function backupPostgres(url: string, out: string): Promise<BackupResult> {
  const tmp = `${out}.partial-${process.pid}`
  try {
    await run('pg_dump', ['--format=custom', '--no-owner', '--file', tmp, '--dbname', url], {
      maxBuffer: 16 * 1024 * 1024,
    })
    fs.chmodSync(tmp, 0o600)
    // A dump pg_restore cannot list is no backup.
    const { stdout } = await run('pg_restore', ['--list', tmp], { maxBuffer: 64 * 1024 * 1024 })
    if (!/TABLE DATA \S+ audit_log /.test(stdout)) throw new BackupError('the dump has no audit_log data')
    fs.renameSync(tmp, out)
  } catch (err) {
    fs.rmSync(tmp, { force: true })
    throw toolError(err, 'pg_dump')
  }
  return { file: out, bytes: fs.statSync(out).size, format: 'pg_dump' }
}

/** Restores a pg_dump backup into an empty database (refuses one with Latchkey tables). */
export async function restorePostgres(url: string, backup: string, hasTables: boolean): Promise<void> {
  if (hasTables) {
    throw new BackupError(
      'the target database is not empty: restore into a new database, then point DATABASE_URL at it',
    )
  }
  try {
    await run('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', url, backup], {
      maxBuffer: 16 * 1024 * 1024,
    })
  } catch (err) {
    throw toolError(err, 'pg_restore')
  }
}

function toolError(err: unknown, tool: string): Error {
  if (err instanceof BackupError) return err
  const e = err as NodeJS.ErrnoException & { stderr?: string }
  if (e.code === 'ENOENT')
    return new BackupError(
      `${tool} is not installed (PostgreSQL client tools, same major version as the server)`,
    )
  // The tools' messages can carry the connection URL: keep the first line, without credentials.
  const line = String(e.stderr ?? e.message).split('\n')[0] ?? ''
  return new BackupError(`${tool} failed: ${line.replace(/\/\/[^@/\s]*@/g, '//…@')}`)
}
