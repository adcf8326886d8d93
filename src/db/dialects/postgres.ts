import { createRequire } from 'node:module'
import { PostgresDialect } from 'kysely'
import type PgModule from 'pg'

// Loaded on first use: the embedded-SQLite default should not pay for the driver at start.
let loaded: typeof PgModule | undefined
function pgModule(): typeof PgModule {
  if (!loaded) {
    loaded = createRequire(import.meta.url)('pg') as typeof PgModule
    // Epoch-ms columns are bigint; JavaScript numbers hold them exactly up to 2^53.
    loaded.types.setTypeParser(20, (v) => Number(v))
    // numeric (cost columns) as numbers, not strings.
    loaded.types.setTypeParser(1700, (v) => Number(v))
  }
  return loaded
}

export interface PostgresOptions {
  url: string
  /** Optional schema to use as search_path (tests use one fresh schema per run). */
  schema?: string
  max?: number
}

export function createPostgresDialect(opts: PostgresOptions): {
  dialect: PostgresDialect
  pool: PgModule.Pool
} {
  const pool = new (pgModule().Pool)({
    connectionString: opts.url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: 5000,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  })
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  // Nor a checked-out one: when PostgreSQL goes away mid-query (failover, a network cut) the
  // client emits 'error' besides failing the query, and an unhandled 'error' event would kill
  // the process — taking answered-but-unwritten usage with it. The query's caller sees the
  // failure; the broken client is discarded when released.
  pool.on('connect', (client) => {
    client.on('error', () => {})
  })
  return { dialect: new PostgresDialect({ pool }), pool }
}
