import path from 'node:path'
import type { Command } from 'commander'
import { sql } from 'kysely'
import { loadConfig } from '../../config/config.js'
import { openDatabase, pingDatabase } from '../../db/database.js'
import { migrateToLatest } from '../../db/migrate.js'
import {
  BackupError,
  backupPostgres,
  backupSqlite,
  restorePostgres,
  restoreSqlite,
} from '../../ops/backup.js'
import { CliError } from '../index.js'

/** `latchkey backup --out FILE` and `latchkey restore FILE` (local commands: database access). */
export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description('write a consistent backup of the database (never the master key; keep that apart)')
    .requiredOption('--out <file>', 'where to write it (mode 0600)')
    .action(async (o: { out: string }) => {
      const config = loadConfig()
      const out = path.resolve(o.out)
      try {
        const r = config.databaseUrl
          ? await backupPostgres(config.databaseUrl, out)
          : await backupSqlite(path.join(config.home, 'latchkey.db'), out)
        process.stderr.write(
          `backup written: ${r.file} (${r.bytes} bytes, ${r.format}); the master key is not in it\n`,
        )
      } catch (err) {
        throw err instanceof BackupError ? new CliError(err.message) : err
      }
    })

  program
    .command('restore <file>')
    .description('restore a backup made by `latchkey backup` (server stopped); needs the same master key')
    .option('--force', 'replace an existing embedded database')
    .action(async (file: string, o: { force?: boolean }) => {
      const config = loadConfig()
      const backup = path.resolve(file)
      try {
        if (config.databaseUrl) {
          const h = openDatabase({ url: config.databaseUrl })
          let tables: number
          try {
            await pingDatabase(h)
            const r = await sql<{ n: string }>`select count(*) as n from information_schema.tables
              where table_schema = current_schema() and table_name in ('audit_log', 'credentials')`.execute(
              h.db,
            )
            tables = Number(r.rows[0]?.n ?? 0)
          } finally {
            await h.close()
          }
          await restorePostgres(config.databaseUrl, backup, tables > 0)
        } else {
          restoreSqlite(backup, path.join(config.home, 'latchkey.db'), o.force === true)
        }
      } catch (err) {
        throw err instanceof BackupError ? new CliError(err.message) : err
      }
      // An older backup is brought up to this version's schema now, not at the next start.
      const h = openDatabase({ url: config.databaseUrl, home: config.home })
      try {
        const { applied } = await migrateToLatest(h)
        process.stderr.write(
          `restored from ${backup}${applied.length ? `; migrations applied: ${applied.join(', ')}` : ''}\n`,
        )
      } finally {
        await h.close()
      }
    })
}
