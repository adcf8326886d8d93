/**
 * Accepting an invite. Users are global (one account per email across orgs) and the inviting
 * admin sees the one-time token, so acceptance must never hand anyone an account that exists:
 *
 * - a *new* account (no password yet) gets the password chosen here, and every earlier session
 *   of it ends;
 * - an *existing* account joins only when the password given is its current one — the invite
 *   adds the membership and never changes the password;
 * - only this invite's org membership turns active (another org's pending seat stays pending),
 *   and the answer reports the role the membership actually holds.
 *
 * The token is looked up (SHA-256, cheap) before any argon2 work, and the argon2 work happens
 * outside the transaction; the transaction then claims the invite once and re-checks that the
 * password it relied on did not change meanwhile. The lookup compares SHA-256 digests of the
 * token, so its timing says nothing about the token itself.
 *
 * Attempts are limited like sign-ins (identity/attempt-limits.ts), counted before the work
 * they guard: per client address before the lookup (token guessing), then per invite and per
 * account before argon2 — an existing account's password guessed through an invite link
 * spends the same budget as one guessed at sign-in.
 * @module
 */
import type { AuditWriter } from '../audit/audit-event.js'
import type { DbHandle } from '../db/database.js'
import { badRequest, unauthorized } from '../errors/app-error.js'
import { type AttemptLimiter, accountLimit, addressLimit, inviteLimit } from './attempt-limits.js'
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords.js'
import { isRole, type Role } from './principal.js'
import { sha256Hex } from './secrets.js'
import { createSession } from './sessions.js'

export interface AcceptInput {
  token: string
  password: string
  name?: string
}

export interface Accepted {
  session: { raw: string; csrf: string; expiresAt: number }
  orgId: string
  userId: string
  email: string
  /** The role the membership holds now (not what the invite said when it was sent). */
  role: Role
}

const invalidInvite = () =>
  unauthorized('this invite link is invalid, used or expired: ask for a new one', { code: 'invalid_invite' })

export const existingAccount = () =>
  unauthorized('this email already has a Latchkey account: enter its current password to join', {
    code: 'existing_account',
  })

/** The invite a token names, if it can still be accepted (no argon2 work: safe to call first). */
export async function findOpenInvite(handle: DbHandle, token: string, now: number) {
  const inv = await handle.db
    .selectFrom('invites')
    .selectAll()
    .where('token_hash', '=', sha256Hex(token))
    .executeTakeFirst()
  if (!inv || inv.accepted_at != null || Number(inv.expires_at) <= now) return undefined
  return inv
}

export async function acceptInvite(
  deps: { handle: DbHandle; audit: AuditWriter; limiter: AttemptLimiter },
  input: AcceptInput & { clientAddress: string },
  now = Date.now(),
): Promise<Accepted> {
  const db = deps.handle.db
  const byAddress = await deps.limiter.begin([addressLimit('invite', input.clientAddress)])
  const inv = await findOpenInvite(deps.handle, input.token, now)
  if (!inv) throw invalidInvite()
  const guess = await deps.limiter.begin([inviteLimit(inv.id), accountLimit(inv.email)])
  const user = await db
    .selectFrom('users')
    .select(['id', 'password_hash', 'disabled_at'])
    .where('email', '=', inv.email)
    .executeTakeFirst()
  if (!user || user.disabled_at != null) throw invalidInvite()
  let newHash: string | undefined
  if (user.password_hash) {
    if (!(await verifyPassword(user.password_hash, input.password))) throw existingAccount()
  } else {
    if (input.password.length < MIN_PASSWORD_LENGTH) {
      throw badRequest(`password must be at least ${MIN_PASSWORD_LENGTH} characters`, { param: 'password' })
    }
    newHash = await hashPassword(input.password)
  }

  const accepted = await db.transaction().execute(async (trx) => {
    // Single use: the conditional update wins once even if two accepts race.
    const claimed = await trx
      .updateTable('invites')
      .set({ accepted_at: now })
      .where('id', '=', inv.id)
      .where('accepted_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst()
    if (Number(claimed.numUpdatedRows) !== 1) throw invalidInvite()
    if (newHash) {
      // Only an account that still has no password gets one (two first-time accepts race).
      const set = await trx
        .updateTable('users')
        .set({ password_hash: newHash, ...(input.name ? { name: input.name } : {}) })
        .where('id', '=', user.id)
        .where('password_hash', 'is', null)
        .executeTakeFirst()
      if (Number(set.numUpdatedRows) !== 1) throw existingAccount()
      // A password being set ends whatever sessions the account had.
      await trx.deleteFrom('sessions').where('user_id', '=', user.id).execute()
    } else {
      // The password we verified is still the account's password.
      const same = await trx
        .selectFrom('users')
        .select('id')
        .where('id', '=', user.id)
        .where('password_hash', '=', user.password_hash!)
        .executeTakeFirst()
      if (!same) throw existingAccount()
    }
    // This org's seat only, and only while it is still there (removed meanwhile: no join).
    await trx
      .updateTable('org_memberships')
      .set({ pending_since: null })
      .where('org_id', '=', inv.org_id)
      .where('user_id', '=', user.id)
      .execute()
    const m = await trx
      .selectFrom('org_memberships')
      .select('role')
      .where('org_id', '=', inv.org_id)
      .where('user_id', '=', user.id)
      .executeTakeFirst()
    if (!m || !isRole(m.role)) throw invalidInvite()
    await deps.audit.record(trx, {
      orgId: inv.org_id,
      actor: user.id,
      actorKind: 'user',
      action: 'member.joined',
      targetType: 'user',
      targetId: user.id,
      workspaceId: inv.workspace_id,
      details: { role: m.role, newAccount: newHash !== undefined },
    })
    const session = await createSession(trx, { orgId: inv.org_id, userId: user.id })
    return { session, orgId: inv.org_id, userId: user.id, email: inv.email, role: m.role }
  })
  await byAddress.succeeded()
  await guess.succeeded()
  return accepted
}
