import path from 'node:path'
import type { Command } from 'commander'
import { loadConfig } from '../../config/config.js'
import { type MigrateDbProgress, migrateEmbeddedToPostgres } from '../../ops/migrate-db.js'
import { CliError } from '../index.js'

/** `latchkey migrate-db --to postgres://…`: the embedded installation, copied into PostgreSQL. */
export function registerMigrateDbCommand(program: Command): void {
  program
    .command('migrate-db')
    .description(
      'copy the embedded (SQLite) installation into an empty PostgreSQL database (stop the server first)',
    )
    .requiredOption('--to <url>', 'postgres:// URL of an empty database')
    .action(async (o: { to: string }) => {
      if (!/^postgres(ql)?:\/\//.test(o.to)) throw new CliError('--to must be a postgres:// URL')
      const config = loadConfig()
      const started = Date.now()
      try {
        const r = await migrateEmbeddedToPostgres({
          sqliteFile: path.join(config.home, 'latchkey.db'),
          targetUrl: o.to,
          onProgress: progress(),
        })
        const rows = r.tables.reduce((n, t) => n + t.rows, 0)
        process.stderr.write(
          `copied ${rows} rows in ${r.tables.length} tables in ${((Date.now() - started) / 1000).toFixed(1)} s; every table checked.\n` +
            'Next: start Latchkey with DATABASE_URL set to that database and the same master key.\n',
        )
      } catch (err) {
        // Driver messages can carry the connection URL: never print its credentials.
        const msg = (err as Error).message.split('\n')[0]!.replace(/\/\/[^@/\s]*@/g, '//…@')
        throw err instanceof Error ? new CliError(`migrate-db: ${msg}`) : err
      }
    })
}

/** One line per table, rewritten in place on a terminal. */
function progress(): (p: MigrateDbProgress) => void {
  const tty = process.stderr.isTTY
  let last = 0
  return (p) => {
    const finished = p.done === p.total
    if (!finished && Date.now() - last < 200) return
    last = Date.now()
    const line = `${p.table}: ${p.done}/${p.total} rows`
    if (tty) process.stderr.write(`\r\x1b[K${line}${finished ? '\n' : ''}`)
    else if (finished) process.stderr.write(`${line}\n`)
  }
}
