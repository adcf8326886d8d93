import type { Kysely } from 'kysely'
import { sql } from 'kysely'

/**
 * Key custody (issue 15):
 * - `credentials.origins`: the origins an `http-secret` may be sent to (JSON array), bound
 *   into its sealing;
 * - `credentials.private_ok`: 1 when an org admin vouched for the credential's destination
 *   (created or re-pointed it), so it may reach loopback/private addresses; 0 = public
 *   addresses only, unless the org allow-lists its origin (settings.privateOrigins). Existing
 *   org credentials were created by org admins; personal and workspace ones may not have been;
 * - `credential_secrets.aad_version`: which associated-data layout sealed the row (1 = before
 *   origins were bound; new seals are 2; the vault re-seals 1 → 2 in the background).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('credentials').addColumn('origins', 'text').execute()
  await db.schema
    .alterTable('credentials')
    .addColumn('private_ok', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await sql`update credentials set private_ok = 1 where scope = 'org'`.execute(db)
  await db.schema
    .alterTable('credential_secrets')
    .addColumn('aad_version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('credential_secrets').dropColumn('aad_version').execute()
  await db.schema.alterTable('credentials').dropColumn('private_ok').execute()
  await db.schema.alterTable('credentials').dropColumn('origins').execute()
}
