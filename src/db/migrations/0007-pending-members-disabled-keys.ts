import { type Kysely, sql } from 'kysely'

/**
 * Issue 15 (invite takeover):
 * - `org_memberships.pending_since`: set while the member has been invited to the org but has
 *   not accepted; null once joined. A pending membership grants nothing (sign-in, tokens,
 *   sessions ignore it), so accepting one org's invite never activates another org's seat.
 * - `credentials.disabled_at`: set on a member's personal credentials when they leave the org;
 *   the key stays sealed, usable by nobody, until an owner reassigns or deletes it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('org_memberships').addColumn('pending_since', 'bigint').execute()
  await db.schema.alterTable('credentials').addColumn('disabled_at', 'bigint').execute()
  // Members who never set a password have not joined yet.
  await sql`update org_memberships set pending_since = created_at
    where user_id in (select id from users where password_hash is null)`.execute(db)
  // Personal keys whose owner already left their org (before this rule existed).
  await sql`update credentials set disabled_at = ${Date.now()}
    where scope = 'personal' and revoked_at is null and not exists (
      select 1 from org_memberships m
      where m.org_id = credentials.org_id and m.user_id = credentials.owner_user_id)`.execute(db)
}
