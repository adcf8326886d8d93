import type { Kysely } from 'kysely'

/**
 * Audit retention (issue 17): the prune point of an org's chain carries the chain key's MAC
 * (`audit_prune_points.mac`), so only the leader's retention job — not a database writer —
 * can move where a chain starts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_prune_points').addColumn('mac', 'varchar(64)').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_prune_points').dropColumn('mac').execute()
}
