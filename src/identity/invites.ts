import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Role } from './principal.js'
import { newId, randomToken, sha256Hex } from './secrets.js'

type Db = Kysely<Database> | Transaction<Database>

export const INVITE_TTL_MS = 7 * 24 * 3_600_000

export interface NewInvite {
  orgId: string
  workspaceId: string | null
  email: string
  role: Role
  createdBy: string | null
}

/** Creates (or re-issues) the user row and membership, plus a one-time set-password token. */
export async function createInvite(
  db: Db,
  inv: NewInvite,
): Promise<{ id: string; raw: string; userId: string; expiresAt: number }> {
  const email = inv.email.trim().toLowerCase()
  const now = Date.now()
  let user = await db.selectFrom('users').select(['id']).where('email', '=', email).executeTakeFirst()
  if (!user) {
    user = { id: newId('usr') }
    await db
      .insertInto('users')
      .values({ id: user.id, email, name: null, password_hash: null, created_at: now, disabled_at: null })
      .execute()
  }
  const member = await db
    .selectFrom('org_memberships')
    .select('role')
    .where('org_id', '=', inv.orgId)
    .where('user_id', '=', user.id)
    .executeTakeFirst()
  if (!member) {
    await db
      .insertInto('org_memberships')
      .values({ org_id: inv.orgId, user_id: user.id, role: inv.role, created_at: now })
      .execute()
  }
  if (inv.workspaceId) {
    await db
      .insertInto('workspace_memberships')
      .values({ workspace_id: inv.workspaceId, user_id: user.id, role: inv.role, created_at: now })
      .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doNothing())
      .execute()
  }
  // Only the newest link works: earlier unaccepted invites for this email in this org expire.
  await db
    .updateTable('invites')
    .set({ expires_at: now })
    .where('org_id', '=', inv.orgId)
    .where('email', '=', email)
    .where('accepted_at', 'is', null)
    .execute()
  const raw = `inv_${randomToken(32)}`
  const id = newId('inv')
  const expiresAt = now + INVITE_TTL_MS
  await db
    .insertInto('invites')
    .values({
      id,
      org_id: inv.orgId,
      workspace_id: inv.workspaceId,
      email,
      role: inv.role,
      token_hash: sha256Hex(raw),
      created_by: inv.createdBy,
      created_at: now,
      expires_at: expiresAt,
      accepted_at: null,
    })
    .execute()
  return { id, raw, userId: user.id, expiresAt }
}

/** The link a new member opens; the token sits in the fragment so it never reaches server logs. */
export function inviteLink(baseUrl: string, raw: string): string {
  return `${baseUrl.replace(/\/$/, '')}/invite#token=${raw}`
}
