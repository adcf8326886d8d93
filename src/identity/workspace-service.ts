/**
 * Workspaces of an org and their members: list, create, rename, set or remove a member. Each
 * change is audited in its own transaction and announced on the change bus (`auth`: the
 * principals' workspace rights are cached). Rights are checked here, where they are used.
 * @module
 */
import type { Kysely } from 'kysely'
import { actorEvent } from '../audit/actor-event.js'
import type { AuditWriter } from '../audit/audit-event.js'
import { isUniqueViolation } from '../db/errors.js'
import type { Database } from '../db/schema.js'
import { badRequest, conflict, notFound } from '../errors/app-error.js'
import type { ChangeBus } from '../state/change-bus.js'
import { authorize, can, memberWorkspaceIds } from './authorize.js'
import { createWorkspace } from './orgs.js'
import type { Principal, Role } from './principal.js'

export interface WorkspaceServiceDeps {
  db: Kysely<Database>
  audit: AuditWriter
  bus: ChangeBus
}

export interface WorkspaceView {
  id: string
  name: string
  createdAt: string
}

export class WorkspaceService {
  constructor(private readonly d: WorkspaceServiceDeps) {}

  /** The org's workspaces the principal may see (all of them with `members:read`). */
  async list(p: Principal): Promise<WorkspaceView[]> {
    authorize(p, 'workspaces:read')
    let q = this.d.db
      .selectFrom('workspaces')
      .select(['id', 'name', 'created_at'])
      .where('org_id', '=', p.orgId)
      .orderBy('created_at')
    if (!can(p, 'members:read')) {
      const ids = memberWorkspaceIds(p)
      q = q.where('id', 'in', ids.length ? ids : ['-'])
    }
    const rows = await q.execute()
    return rows.map((w) => ({
      id: w.id,
      name: w.name,
      createdAt: new Date(Number(w.created_at)).toISOString(),
    }))
  }

  async create(p: Principal, name: string): Promise<string> {
    authorize(p, 'workspaces:manage')
    try {
      return await this.d.db.transaction().execute(async (trx) => {
        const id = await createWorkspace(trx, p.orgId, name)
        await this.d.audit.record(
          trx,
          actorEvent(p, 'workspace.created', { targetType: 'workspace', targetId: id, workspaceId: id }),
        )
        return id
      })
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`a workspace named ${name} already exists`)
      throw err
    }
  }

  async rename(p: Principal, id: string, name: string): Promise<void> {
    await this.#manageable(p, id)
    try {
      await this.d.db.transaction().execute(async (trx) => {
        await trx.updateTable('workspaces').set({ name }).where('id', '=', id).execute()
        await this.d.audit.record(
          trx,
          actorEvent(p, 'workspace.renamed', { targetType: 'workspace', targetId: id, workspaceId: id }),
        )
      })
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`a workspace named ${name} already exists`)
      throw err
    }
  }

  /** Adds an org member to the workspace or changes their workspace role. */
  async setMember(p: Principal, id: string, userId: string, role: Role): Promise<void> {
    await this.#manageable(p, id)
    if (role === 'owner')
      throw badRequest('owner is an org role; use admin for workspaces', { param: 'role' })
    const member = await this.d.db
      .selectFrom('org_memberships')
      .select('user_id')
      .where('org_id', '=', p.orgId)
      .where('user_id', '=', userId)
      .executeTakeFirst()
    if (!member) throw badRequest(`user ${userId} is not a member of this org`, { param: 'userId' })
    await this.d.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('workspace_memberships')
        .values({ workspace_id: id, user_id: userId, role, created_at: Date.now() })
        .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doUpdateSet({ role }))
        .execute()
      await this.d.audit.record(
        trx,
        actorEvent(p, 'workspace.member_set', {
          targetType: 'user',
          targetId: userId,
          workspaceId: id,
          details: { role },
        }),
      )
    })
    await this.d.bus.publish('auth')
  }

  async removeMember(p: Principal, id: string, userId: string): Promise<void> {
    await this.#manageable(p, id)
    await this.d.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('workspace_memberships')
        .where('workspace_id', '=', id)
        .where('user_id', '=', userId)
        .execute()
      await this.d.audit.record(
        trx,
        actorEvent(p, 'workspace.member_removed', { targetType: 'user', targetId: userId, workspaceId: id }),
      )
    })
    await this.d.bus.publish('auth')
  }

  /** The workspace exists in the principal's org (404 otherwise) and they may manage it. */
  async #manageable(p: Principal, id: string): Promise<void> {
    const ws = await this.d.db
      .selectFrom('workspaces')
      .select('id')
      .where('id', '=', id)
      .where('org_id', '=', p.orgId)
      .executeTakeFirst()
    if (!ws) throw notFound(`no workspace ${id}`)
    authorize(p, 'workspaces:manage', { orgId: p.orgId, workspaceId: id })
  }
}
