import type { Kysely } from 'kysely'

/**
 * Operations across instances: `ops_meta` (the deployment id), `leases` (one row per background job group; the holder runs
 * it, state/leader.ts) and `audit_prune_points` (where each org's audit chain starts after
 * retention pruned its oldest records, audit/retention.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Facts about this installation (e.g. its deployment id, which namespaces its Redis keys).
  await db.schema
    .createTable('ops_meta')
    .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('leases')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('holder', 'varchar(64)', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('acquired_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('audit_prune_points')
    .addColumn('org_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('pruned', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_prune_points').execute()
  await db.schema.dropTable('leases').execute()
  await db.schema.dropTable('ops_meta').execute()
}
