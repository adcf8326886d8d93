import type { Kysely } from 'kysely'

/**
 * Keyed audit chain (issue 15, path 10): each record's HMAC (`audit_log.mac`) and the head's
 * (`audit_heads.mac`) with the first keyed sequence number (`audit_heads.keyed_from`). Rows
 * written before this migration keep `mac` null: they verify as legacy records up to the
 * upgrade point, which the first start after the upgrade seals into the head's MAC
 * (audit/chain-upgrade.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_log').addColumn('mac', 'varchar(64)').execute()
  await db.schema.alterTable('audit_heads').addColumn('keyed_from', 'bigint').execute()
  await db.schema.alterTable('audit_heads').addColumn('mac', 'varchar(64)').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_heads').dropColumn('mac').execute()
  await db.schema.alterTable('audit_heads').dropColumn('keyed_from').execute()
  await db.schema.alterTable('audit_log').dropColumn('mac').execute()
}
