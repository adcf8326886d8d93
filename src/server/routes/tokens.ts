/**
 * Access tokens: create (raw value shown once), list, revoke. A token never carries more
 * rights than its creator: its role is at most the creator's, and a user's token follows the
 * user's current role.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { actorEvent } from '../../audit/actor-event.js'
import { badRequest, forbidden, notFound } from '../../errors/app-error.js'
import {
  authorize,
  can,
  capRoles,
  effectiveRole,
  roleInWorkspace,
  roleWithin,
} from '../../identity/authorize.js'
import { type Principal, ROLES, type Role } from '../../identity/principal.js'
import { insertToken, toTokenView } from '../../identity/tokens-repo.js'
import { Id, IdParams } from '../id-schema.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'

const SCOPES = [
  'gateway',
  'workflows',
  'credentials',
  'usage',
  'audit',
  'routes',
  'budgets',
  'prices',
  'compare',
  'reviews',
  'metrics',
] as const

const CreateBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  role: z.enum(ROLES).optional(),
  workspaceId: Id.optional(),
  scopes: z.array(z.enum(SCOPES)).max(SCOPES.length).optional(),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
})

/**
 * A new token may carry no more than its creator holds where it will act: its role within
 * the creator's role in the bound workspace (a workspace admin may mint a workspace-admin
 * token), bound only to a workspace the creator belongs to, and — capped exactly as it will
 * be when used (`capRoles`) — still a role at all (a member cannot mint an auditor token,
 * which would read the org's audit log).
 */
function checkTokenRole(p: Principal, role: Role, workspaceId: string | null): void {
  if (workspaceId && !roleInWorkspace(p, workspaceId)) {
    throw forbidden(`you are not a member of workspace ${workspaceId}`)
  }
  const ceiling = effectiveRole(p, workspaceId)
  if (!roleWithin(role, ceiling) || !capRoles(role, p, workspaceId)) {
    throw forbidden(`a ${ceiling} cannot create a token with role ${role}`)
  }
}

export async function tokenRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const db = rt.db.db

  app.post(
    '/api/v1/tokens',
    { schema: { tags: ['tokens'], summary: 'Create an access token (shown once)', body: CreateBody } },
    async (req, reply) => {
      const p = principalOf(req)
      const body = req.body as z.infer<typeof CreateBody>
      // Least privilege by default: a token calls models unless asked for more.
      const role = body.role ?? (p.role === 'auditor' ? 'auditor' : 'member')
      const workspaceId = body.workspaceId ?? p.workspaceId
      authorize(p, 'tokens:create', { orgId: p.orgId, workspaceId })
      checkTokenRole(p, role, workspaceId)
      if (workspaceId) {
        const ws = await db
          .selectFrom('workspaces')
          .select('id')
          .where('id', '=', workspaceId)
          .where('org_id', '=', p.orgId)
          .executeTakeFirst()
        if (!ws) throw badRequest(`unknown workspace ${workspaceId}`, { param: 'workspaceId' })
      }
      const row = await db.transaction().execute(async (trx) => {
        const created = await insertToken(trx, {
          orgId: p.orgId,
          workspaceId: workspaceId ?? null,
          userId: p.userId,
          name: body.name,
          role,
          scopes: body.scopes ?? [],
          createdBy: p.id,
          expiresAt: body.expiresInDays ? Date.now() + body.expiresInDays * 86_400_000 : null,
        })
        await rt.audit.record(
          trx,
          actorEvent(p, 'token.created', {
            targetType: 'token',
            targetId: created.row.id,
            workspaceId: workspaceId ?? null,
            details: { role, scopes: body.scopes ?? [] },
          }),
        )
        return created
      })
      return reply.status(201).send({ ...toTokenView(row.row), token: row.raw })
    },
  )

  app.get(
    '/api/v1/tokens',
    { schema: { tags: ['tokens'], summary: 'List access tokens (never their values)' } },
    async (req) => {
      const p = principalOf(req)
      authorize(p, 'tokens:read')
      let q = db
        .selectFrom('access_tokens')
        .selectAll()
        .where('org_id', '=', p.orgId)
        .orderBy('created_at', 'desc')
      if (!can(p, 'tokens:manage')) {
        // Non-admins see the tokens they created and the ones acting for them.
        q = q.where((eb) =>
          eb.or([eb('created_by', '=', p.id), ...(p.userId ? [eb('user_id', '=', p.userId)] : [])]),
        )
      }
      const rows = await q.execute()
      return { data: rows.map(toTokenView) }
    },
  )

  app.delete(
    '/api/v1/tokens/:id',
    { schema: { tags: ['tokens'], summary: 'Revoke an access token', params: IdParams } },
    async (req, reply) => {
      const p = principalOf(req)
      const { id } = req.params as z.infer<typeof IdParams>
      const t = await db
        .selectFrom('access_tokens')
        .selectAll()
        .where('id', '=', id)
        .where('org_id', '=', p.orgId)
        .executeTakeFirst()
      if (!t) throw notFound(`no token ${id}`)
      const own = t.created_by === p.id || (p.userId !== null && t.user_id === p.userId) || t.id === p.tokenId
      authorize(p, own ? 'tokens:read' : 'tokens:manage')
      if (t.revoked_at == null) {
        await db.transaction().execute(async (trx) => {
          await trx
            .updateTable('access_tokens')
            .set({ revoked_at: Date.now() })
            .where('id', '=', id)
            .execute()
          await rt.audit.record(trx, actorEvent(p, 'token.revoked', { targetType: 'token', targetId: id }))
        })
        await rt.bus.publish('auth')
      }
      return reply.status(204).send()
    },
  )
}
