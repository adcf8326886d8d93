import { PostgresDialect } from 'kysely'
import pg from 'pg'

// Epoch-ms columns are bigint; JavaScript numbers hold them exactly up to 2^53.
pg.types.setTypeParser(20, (v) => Number(v))
// numeric (cost columns) as numbers, not strings.
pg.types.setTypeParser(1700, (v) => Number(v))

export interface PostgresOptions {
  url: string
  /** Optional schema to use as search_path (tests use one fresh schema per run). */
  schema?: string
  max?: number
}

export function createPostgresDialect(opts: PostgresOptions): { dialect: PostgresDialect; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: 5000,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  })
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  return { dialect: new PostgresDialect({ pool }), pool }
}
