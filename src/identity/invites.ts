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

/**
 * Creates (or re-issues) an invite: the user row (users are global: an existing account is
 * reused, never changed), a *pending* org membership with the invite's role — it grants
 * nothing until the invite is accepted — and a one-time token. Re-inviting a pending member
 * sets the new role (callers apply the owner rules first); an active member cannot be
 * invited again (callers answer 409 before calling this).
 */
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
  const member = await membershipOf(db, inv.orgId, user.id)
  if (member && member.pending_since == null) throw new Error(`${email} is already an active member`)
  if (member) {
    await db
      .updateTable('org_memberships')
      .set({ role: inv.role })
      .where('org_id', '=', inv.orgId)
      .where('user_id', '=', user.id)
      .execute()
  } else {
    await db
      .insertInto('org_memberships')
      .values({ org_id: inv.orgId, user_id: user.id, role: inv.role, created_at: now, pending_since: now })
      .execute()
  }
  if (inv.workspaceId) {
    // Owner is an org role; in a workspace the invitee is at most admin. A re-invite resets it.
    const role = inv.role === 'owner' ? 'admin' : inv.role
    await db
      .insertInto('workspace_memberships')
      .values({ workspace_id: inv.workspaceId, user_id: user.id, role, created_at: now })
      .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doUpdateSet({ role }))
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

/** The user's membership row in an org, pending or not. */
export function membershipOf(db: Db, orgId: string, userId: string) {
  return db
    .selectFrom('org_memberships')
    .select(['role', 'pending_since'])
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
}
