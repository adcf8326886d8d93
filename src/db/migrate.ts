import { type Kysely, Migrator, sql } from 'kysely'
import type { DbHandle } from './database.js'
import { migrations } from './migrations/index.js'

export interface MigrateResult {
  applied: string[]
}

/**
 * Applies every pending migration, all-or-nothing, safely when several processes start at
 * once. PostgreSQL: Kysely's advisory lock plus one transaction (transactional DDL).
 * SQLite: one `BEGIN IMMEDIATE` transaction around the whole run, which both serialises
 * concurrent starters (the busy timeout makes the second wait) and rolls back a failure.
 */
export async function migrateToLatest(handle: DbHandle): Promise<MigrateResult> {
  if (handle.dialect === 'sqlite') {
    return handle.db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn)
      try {
        const inner = new Migrator({
          db: conn as Kysely<unknown>,
          provider: { getMigrations: async () => migrations },
        })
        const { error, results } = await inner.migrateToLatest()
        if (error) throw error
        await sql`commit`.execute(conn)
        return { applied: (results ?? []).map((r) => r.migrationName) }
      } catch (err) {
        await sql`rollback`.execute(conn).catch(() => {})
        throw wrap(err)
      }
    })
  }
  // Kysely looks for its bookkeeping tables in every schema unless told which one; in a
  // database shared by several schemas it would find another schema's and skip creating ours.
  const current = await sql<{ s: string }>`select current_schema() as s`.execute(handle.db)
  const migrator = new Migrator({
    db: handle.db as Kysely<unknown>,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: current.rows[0]?.s ?? 'public',
  })
  // Two instances creating Kysely's bookkeeping tables at the same moment can collide on
  // PostgreSQL's catalog; the loser simply retries once the winner is done. Kysely's table
  // check also scans every schema of the database, and fails ("schema … does not exist", or
  // "relation "other_schema.table" does not exist") when another schema is dropped during the
  // scan (other apps, parallel test runs): retried too.
  for (let attempt = 0; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest()
    if (!error) return { applied: (results ?? []).map((r) => r.migrationName) }
    const transient = /duplicate key|already exists|(schema|relation) "[^"]+" does not exist/i
    if (attempt >= 3 || !transient.test(String((error as Error).message))) {
      throw wrap(error)
    }
    await new Promise((r) => setTimeout(r, 200 * (attempt + 1)))
  }
}

function wrap(err: unknown): Error {
  const msg = err instanceof Error ? err.message : String(err)
  return new Error(`migration failed (nothing was applied): ${msg}`)
}
