import type { FastifyInstance } from 'fastify'
import { authorize, memberWorkspaceIds } from '../../identity/authorize.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'

export async function meRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  app.get(
    '/api/v1/me',
    { schema: { tags: ['identity'], summary: 'Who am I: principal, org, workspaces' } },
    async (req) => {
      const p = principalOf(req)
      authorize(p, 'me:read')
      const db = rt.db.db
      const org = await db
        .selectFrom('orgs')
        .select(['id', 'name'])
        .where('id', '=', p.orgId)
        .executeTakeFirstOrThrow()
      let q = db
        .selectFrom('workspaces')
        .select(['id', 'name'])
        .where('org_id', '=', p.orgId)
        .orderBy('created_at')
      // Members see the workspaces they belong to (or their token's); org admins see all.
      if (p.role === 'member' || p.role === 'auditor') {
        const ids = memberWorkspaceIds(p)
        if (p.role === 'member' || p.kind === 'token') q = q.where('id', 'in', ids.length ? ids : ['-'])
      }
      const workspaces = await q.execute()
      let user: { id: string; email: string; name: string | null } | null = null
      if (p.userId) {
        user =
          (await db
            .selectFrom('users')
            .select(['id', 'email', 'name'])
            .where('id', '=', p.userId)
            .executeTakeFirst()) ?? null
      }
      return {
        principal: {
          kind: p.kind,
          id: p.id,
          name: p.name,
          role: p.role,
          orgId: p.orgId,
          workspaceId: p.workspaceId,
          workspaceRoles: p.workspaceRoles,
          userId: p.userId,
          tokenId: p.tokenId,
          scopes: p.scopes,
          session: p.sessionId !== null,
          expiresAt: p.expiresAt == null ? null : new Date(p.expiresAt).toISOString(),
        },
        user,
        org,
        workspaces: workspaces.map((w) => ({ ...w, role: p.workspaceRoles[w.id] ?? p.role })),
      }
    },
  )
}
