import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { actorEvent } from '../../audit/actor-event.js'
import { isUniqueViolation } from '../../db/errors.js'
import { badRequest, conflict, notFound } from '../../errors/app-error.js'
import { authorize, can, memberWorkspaceIds } from '../../identity/authorize.js'
import { createWorkspace } from '../../identity/orgs.js'
import { ROLES } from '../../identity/principal.js'
import { Id, IdParams } from '../id-schema.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'

const NameBody = z.strictObject({ name: z.string().trim().min(1).max(200) })
const MemberBody = z.strictObject({ userId: Id, role: z.enum(ROLES) })
const MemberParams = z.strictObject({ id: Id, userId: Id })

export async function workspaceRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const db = rt.db.db

  async function workspaceOf(orgId: string, id: string) {
    const ws = await db
      .selectFrom('workspaces')
      .selectAll()
      .where('id', '=', id)
      .where('org_id', '=', orgId)
      .executeTakeFirst()
    if (!ws) throw notFound(`no workspace ${id}`)
    return ws
  }

  app.get(
    '/api/v1/workspaces',
    { schema: { tags: ['workspaces'], summary: 'List workspaces' } },
    async (req) => {
      const p = principalOf(req)
      authorize(p, 'workspaces:read')
      let q = db
        .selectFrom('workspaces')
        .select(['id', 'name', 'created_at'])
        .where('org_id', '=', p.orgId)
        .orderBy('created_at')
      if (!can(p, 'members:read')) {
        const ids = memberWorkspaceIds(p)
        q = q.where('id', 'in', ids.length ? ids : ['-'])
      }
      const rows = await q.execute()
      return {
        data: rows.map((w) => ({
          id: w.id,
          name: w.name,
          createdAt: new Date(Number(w.created_at)).toISOString(),
        })),
      }
    },
  )

  app.post(
    '/api/v1/workspaces',
    { schema: { tags: ['workspaces'], summary: 'Create a workspace', body: NameBody } },
    async (req, reply) => {
      const p = principalOf(req)
      authorize(p, 'workspaces:manage')
      const { name } = req.body as z.infer<typeof NameBody>
      try {
        const id = await db.transaction().execute(async (trx) => {
          const id = await createWorkspace(trx, p.orgId, name)
          await rt.audit.record(
            trx,
            actorEvent(p, 'workspace.created', { targetType: 'workspace', targetId: id, workspaceId: id }),
          )
          return id
        })
        return reply.status(201).send({ id, name })
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(`a workspace named ${name} already exists`)
        throw err
      }
    },
  )

  app.patch(
    '/api/v1/workspaces/:id',
    { schema: { tags: ['workspaces'], summary: 'Rename a workspace', params: IdParams, body: NameBody } },
    async (req) => {
      const p = principalOf(req)
      const { id } = req.params as z.infer<typeof IdParams>
      const { name } = req.body as z.infer<typeof NameBody>
      await workspaceOf(p.orgId, id)
      authorize(p, 'workspaces:manage', { orgId: p.orgId, workspaceId: id })
      try {
        await db.transaction().execute(async (trx) => {
          await trx.updateTable('workspaces').set({ name }).where('id', '=', id).execute()
          await rt.audit.record(
            trx,
            actorEvent(p, 'workspace.renamed', { targetType: 'workspace', targetId: id, workspaceId: id }),
          )
        })
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(`a workspace named ${name} already exists`)
        throw err
      }
      return { id, name }
    },
  )

  app.put(
    '/api/v1/workspaces/:id/members',
    {
      schema: {
        tags: ['workspaces'],
        summary: 'Add a member to a workspace or change their workspace role',
        params: IdParams,
        body: MemberBody,
      },
    },
    async (req) => {
      const p = principalOf(req)
      const { id } = req.params as z.infer<typeof IdParams>
      const { userId, role } = req.body as z.infer<typeof MemberBody>
      await workspaceOf(p.orgId, id)
      authorize(p, 'workspaces:manage', { orgId: p.orgId, workspaceId: id })
      if (role === 'owner')
        throw badRequest('owner is an org role; use admin for workspaces', { param: 'role' })
      const member = await db
        .selectFrom('org_memberships')
        .select('user_id')
        .where('org_id', '=', p.orgId)
        .where('user_id', '=', userId)
        .executeTakeFirst()
      if (!member) throw badRequest(`user ${userId} is not a member of this org`, { param: 'userId' })
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('workspace_memberships')
          .values({ workspace_id: id, user_id: userId, role, created_at: Date.now() })
          .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doUpdateSet({ role }))
          .execute()
        await rt.audit.record(
          trx,
          actorEvent(p, 'workspace.member_set', {
            targetType: 'user',
            targetId: userId,
            workspaceId: id,
            details: { role },
          }),
        )
      })
      await rt.bus.publish('auth')
      return { workspaceId: id, userId, role }
    },
  )

  app.delete(
    '/api/v1/workspaces/:id/members/:userId',
    { schema: { tags: ['workspaces'], summary: 'Remove a member from a workspace', params: MemberParams } },
    async (req, reply) => {
      const p = principalOf(req)
      const { id, userId } = req.params as z.infer<typeof MemberParams>
      await workspaceOf(p.orgId, id)
      authorize(p, 'workspaces:manage', { orgId: p.orgId, workspaceId: id })
      await db.transaction().execute(async (trx) => {
        await trx
          .deleteFrom('workspace_memberships')
          .where('workspace_id', '=', id)
          .where('user_id', '=', userId)
          .execute()
        await rt.audit.record(
          trx,
          actorEvent(p, 'workspace.member_removed', {
            targetType: 'user',
            targetId: userId,
            workspaceId: id,
          }),
        )
      })
      await rt.bus.publish('auth')
      return reply.status(204).send()
    },
  )
}
