/**
 * Members of the org: list, invite by email (one-time link; the membership stays pending,
 * granting nothing, until accepted), change role, remove. Only owners grant, change or void
 * the owner role (a pending one included); the last joined owner can be neither demoted nor
 * removed. Removing a member disables their personal credentials. Every change is audited in
 * its transaction and announced on the change bus. Rights are checked here, where they are used.
 * @module
 */
import type { Kysely, Transaction } from 'kysely'
import { actorEvent } from '../audit/actor-event.js'
import type { AuditWriter } from '../audit/audit-event.js'
import type { Database } from '../db/schema.js'
import { badRequest, conflict, forbidden, notFound } from '../errors/app-error.js'
import type { ChangeBus } from '../state/change-bus.js'
import { disablePersonalCredentials } from '../vault/credentials-repo.js'
import { authorize } from './authorize.js'
import { createInvite, inviteLink, membershipOf } from './invites.js'
import type { Principal, Role } from './principal.js'

export interface MemberServiceDeps {
  db: Kysely<Database>
  audit: AuditWriter
  bus: ChangeBus
  /** The public URL invite links point at (LATCHKEY_URL). */
  url: string
}

export interface MemberView {
  userId: string
  email: string
  name: string | null
  role: string
  status: 'active' | 'invited' | 'disabled'
  joinedAt: string
  workspaces: { id: string; role: string }[]
}

export interface Invitation {
  userId: string
  inviteUrl: string
  inviteToken: string
  expiresAt: string
}

async function ownerCount(trx: Transaction<Database>, orgId: string): Promise<number> {
  const r = await trx
    .selectFrom('org_memberships')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('role', '=', 'owner')
    // A pending owner (invite not accepted) does not keep the org administrable.
    .where('pending_since', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(r.n)
}

function guardOwnerChange(p: Principal, from: Role | null, to: Role | null): void {
  if ((from === 'owner' || to === 'owner') && p.role !== 'owner') {
    throw forbidden('only an owner can grant, change or remove the owner role')
  }
}

/**
 * Reads a membership inside the transaction that changes it (`to` null = removal) and applies
 * the owner rules: only owners touch the owner role — a pending one included, so a re-invite
 * cannot take or void an owner's seat — and the last (joined) owner stays.
 */
async function checkMembershipChange(
  trx: Transaction<Database>,
  p: Principal,
  userId: string,
  to: Role | null,
): Promise<Role> {
  const m = await membershipOf(trx, p.orgId, userId)
  if (!m) throw notFound(`no member ${userId}`)
  const from = m.role as Role
  guardOwnerChange(p, from, to)
  const joined = m.pending_since == null
  if (joined && from === 'owner' && to !== 'owner' && (await ownerCount(trx, p.orgId)) <= 1) {
    throw conflict(
      to
        ? 'the last owner cannot be demoted: make someone else owner first'
        : 'the last owner cannot be removed',
    )
  }
  return from
}

export class MemberService {
  constructor(private readonly d: MemberServiceDeps) {}

  async list(p: Principal): Promise<MemberView[]> {
    authorize(p, 'members:read')
    const db = this.d.db
    const rows = await db
      .selectFrom('org_memberships')
      .innerJoin('users', 'users.id', 'org_memberships.user_id')
      .select([
        'users.id',
        'users.email',
        'users.name',
        'users.disabled_at',
        'org_memberships.role',
        'org_memberships.created_at',
        'org_memberships.pending_since',
      ])
      .where('org_memberships.org_id', '=', p.orgId)
      .orderBy('org_memberships.created_at')
      .execute()
    const ws = await db
      .selectFrom('workspace_memberships')
      .innerJoin('workspaces', 'workspaces.id', 'workspace_memberships.workspace_id')
      .select([
        'workspace_memberships.user_id',
        'workspace_memberships.workspace_id',
        'workspace_memberships.role',
      ])
      .where('workspaces.org_id', '=', p.orgId)
      .execute()
    return rows.map((r) => ({
      userId: r.id,
      email: r.email,
      name: r.name,
      role: r.role,
      status: r.disabled_at != null ? 'disabled' : r.pending_since != null ? 'invited' : 'active',
      joinedAt: new Date(Number(r.created_at)).toISOString(),
      workspaces: ws.filter((w) => w.user_id === r.id).map((w) => ({ id: w.workspace_id, role: w.role })),
    }))
  }

  /** Invites `email` with `role` (into `workspaceId`, else the principal's workspace). */
  async invite(
    p: Principal,
    body: { email: string; role: Role; workspaceId?: string | undefined },
  ): Promise<Invitation> {
    authorize(p, 'members:manage')
    guardOwnerChange(p, null, body.role)
    const db = this.d.db
    const workspaceId = body.workspaceId ?? p.workspaceId
    if (workspaceId) {
      const ok = await db
        .selectFrom('workspaces')
        .select('id')
        .where('id', '=', workspaceId)
        .where('org_id', '=', p.orgId)
        .executeTakeFirst()
      if (!ok) throw badRequest(`unknown workspace ${workspaceId}`, { param: 'workspaceId' })
    }
    const result = await db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('users')
        .innerJoin('org_memberships', 'org_memberships.user_id', 'users.id')
        .select(['users.id', 'org_memberships.pending_since'])
        .where('users.email', '=', body.email)
        .where('org_memberships.org_id', '=', p.orgId)
        .executeTakeFirst()
      if (existing && existing.pending_since == null) throw conflict(`${body.email} is already a member`)
      // Re-inviting a pending member changes their role: the same rules as a role change.
      if (existing) await checkMembershipChange(trx, p, existing.id, body.role)
      const inv = await createInvite(trx, {
        orgId: p.orgId,
        workspaceId: workspaceId ?? null,
        email: body.email,
        role: body.role,
        createdBy: p.id,
      })
      await this.d.audit.record(
        trx,
        actorEvent(p, 'member.invited', {
          targetType: 'user',
          targetId: inv.userId,
          workspaceId: workspaceId ?? null,
          details: { role: body.role },
        }),
      )
      return inv
    })
    return {
      userId: result.userId,
      inviteUrl: inviteLink(this.d.url, result.raw),
      inviteToken: result.raw,
      expiresAt: new Date(result.expiresAt).toISOString(),
    }
  }

  async changeRole(p: Principal, userId: string, role: Role): Promise<void> {
    authorize(p, 'members:manage')
    await this.d.db.transaction().execute(async (trx) => {
      const from = await checkMembershipChange(trx, p, userId, role)
      await trx
        .updateTable('org_memberships')
        .set({ role })
        .where('org_id', '=', p.orgId)
        .where('user_id', '=', userId)
        .execute()
      await this.d.audit.record(
        trx,
        actorEvent(p, 'member.role_changed', {
          targetType: 'user',
          targetId: userId,
          details: { from, to: role },
        }),
      )
    })
    await this.d.bus.publish('auth')
  }

  async remove(p: Principal, userId: string): Promise<void> {
    authorize(p, 'members:manage')
    await this.d.db.transaction().execute(async (trx) => {
      const from = await checkMembershipChange(trx, p, userId, null)
      await trx
        .deleteFrom('org_memberships')
        .where('org_id', '=', p.orgId)
        .where('user_id', '=', userId)
        .execute()
      const wsIds = trx.selectFrom('workspaces').select('id').where('org_id', '=', p.orgId)
      await trx
        .deleteFrom('workspace_memberships')
        .where('user_id', '=', userId)
        .where('workspace_id', 'in', wsIds)
        .execute()
      await trx.deleteFrom('sessions').where('user_id', '=', userId).where('org_id', '=', p.orgId).execute()
      // The user's tokens in this org stop working with the membership.
      await trx
        .updateTable('access_tokens')
        .set({ revoked_at: Date.now() })
        .where('user_id', '=', userId)
        .where('org_id', '=', p.orgId)
        .where('revoked_at', 'is', null)
        .execute()
      await trx
        .updateTable('invites')
        .set({ expires_at: Date.now() })
        .where('org_id', '=', p.orgId)
        .where('accepted_at', 'is', null)
        .where('email', 'in', trx.selectFrom('users').select('email').where('id', '=', userId))
        .execute()
      // Their personal keys stay sealed but usable by nobody — not by them if re-invited,
      // nor by whoever might accept a re-invite — until an owner reassigns or deletes them.
      const disabled = await disablePersonalCredentials(trx, p.orgId, userId, Date.now())
      await this.d.audit.record(
        trx,
        actorEvent(p, 'member.removed', {
          targetType: 'user',
          targetId: userId,
          details: { role: from, disabledCredentials: disabled },
        }),
      )
    })
    await this.d.bus.publish('auth')
    await this.d.bus.publish('credentials')
  }
}
