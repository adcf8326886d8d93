/**
 * HTTP face of the workspace service (identity/workspace-service.ts): schemas and status codes.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { ROLES } from '../../identity/principal.js'
import { WorkspaceService } from '../../identity/workspace-service.js'
import { Id, IdParams } from '../id-schema.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'

const NameBody = z.strictObject({ name: z.string().trim().min(1).max(200) })
const MemberBody = z.strictObject({ userId: Id, role: z.enum(ROLES) })
const MemberParams = z.strictObject({ id: Id, userId: Id })

export async function workspaceRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const workspaces = new WorkspaceService({ db: rt.db.db, audit: rt.audit, bus: rt.bus })

  app.get(
    '/api/v1/workspaces',
    { schema: { tags: ['workspaces'], summary: 'List workspaces' } },
    async (req) => ({ data: await workspaces.list(principalOf(req)) }),
  )

  app.post(
    '/api/v1/workspaces',
    { schema: { tags: ['workspaces'], summary: 'Create a workspace', body: NameBody } },
    async (req, reply) => {
      const { name } = req.body as z.infer<typeof NameBody>
      const id = await workspaces.create(principalOf(req), name)
      return reply.status(201).send({ id, name })
    },
  )

  app.patch(
    '/api/v1/workspaces/:id',
    { schema: { tags: ['workspaces'], summary: 'Rename a workspace', params: IdParams, body: NameBody } },
    async (req) => {
      const { id } = req.params as z.infer<typeof IdParams>
      const { name } = req.body as z.infer<typeof NameBody>
      await workspaces.rename(principalOf(req), id, name)
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
      const { id } = req.params as z.infer<typeof IdParams>
      const { userId, role } = req.body as z.infer<typeof MemberBody>
      await workspaces.setMember(principalOf(req), id, userId, role)
      return { workspaceId: id, userId, role }
    },
  )

  app.delete(
    '/api/v1/workspaces/:id/members/:userId',
    { schema: { tags: ['workspaces'], summary: 'Remove a member from a workspace', params: MemberParams } },
    async (req, reply) => {
      const { id, userId } = req.params as z.infer<typeof MemberParams>
      await workspaces.removeMember(principalOf(req), id, userId)
      return reply.status(204).send()
    },
  )
}
