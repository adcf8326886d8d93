import type { Command } from 'commander'
import { loadConfig } from '../../config/config.js'
import { openDatabase, pingDatabase } from '../../db/database.js'
import { migrateToLatest } from '../../db/migrate.js'

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (also done at start); all or nothing')
    .action(async () => {
      const config = loadConfig()
      const handle = openDatabase({ url: config.databaseUrl, home: config.home })
      try {
        await pingDatabase(handle)
        const { applied } = await migrateToLatest(handle)
        process.stderr.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n')
      } finally {
        await handle.close()
      }
    })
}
