/**
 * HTTP face of the member service (identity/member-service.ts): schemas and status codes.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { MemberService } from '../../identity/member-service.js'
import { ROLES } from '../../identity/principal.js'
import { Id } from '../id-schema.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'

const InviteBody = z.strictObject({
  email: z.string().trim().toLowerCase().email().max(320),
  role: z.enum(ROLES).default('member'),
  workspaceId: Id.optional(),
})
const RoleBody = z.strictObject({ role: z.enum(ROLES) })
const UserParams = z.strictObject({ userId: Id })

export async function memberRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const members = new MemberService({ db: rt.db.db, audit: rt.audit, bus: rt.bus, url: rt.config.url })

  app.get(
    '/api/v1/members',
    { schema: { tags: ['members'], summary: 'List org members and pending invites' } },
    async (req) => ({ data: await members.list(principalOf(req)) }),
  )

  app.post(
    '/api/v1/members',
    { schema: { tags: ['members'], summary: 'Invite a member (returns a one-time link)', body: InviteBody } },
    async (req, reply) => {
      const body = req.body as z.infer<typeof InviteBody>
      const inv = await members.invite(principalOf(req), body)
      return reply.status(201).send({
        userId: inv.userId,
        email: body.email,
        role: body.role,
        status: 'invited',
        inviteUrl: inv.inviteUrl,
        inviteToken: inv.inviteToken,
        expiresAt: inv.expiresAt,
      })
    },
  )

  app.patch(
    '/api/v1/members/:userId',
    {
      schema: {
        tags: ['members'],
        summary: 'Change a member’s org role',
        params: UserParams,
        body: RoleBody,
      },
    },
    async (req) => {
      const { userId } = req.params as z.infer<typeof UserParams>
      const { role } = req.body as z.infer<typeof RoleBody>
      await members.changeRole(principalOf(req), userId, role)
      return { userId, role }
    },
  )

  app.delete(
    '/api/v1/members/:userId',
    { schema: { tags: ['members'], summary: 'Remove a member from the org', params: UserParams } },
    async (req, reply) => {
      const { userId } = req.params as z.infer<typeof UserParams>
      await members.remove(principalOf(req), userId)
      return reply.status(204).send()
    },
  )
}
