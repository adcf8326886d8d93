import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { AttemptLimiter } from '../../identity/attempt-limits.js'
import { acceptInvite } from '../../identity/invite-acceptance.js'
import type { Runtime } from '../runtime.js'
import { startSessionResponse } from '../session-cookies.js'

const AcceptBody = z.strictObject({
  token: z.string().min(10).max(200),
  password: z.string().max(1024),
  name: z.string().trim().max(200).optional(),
})

export async function inviteRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const limiter = new AttemptLimiter(rt.counters)
  app.post(
    '/api/v1/invites/accept',
    {
      config: { auth: false },
      schema: {
        tags: ['members'],
        summary:
          'Accept an invite and sign in: a new account sets its password; an existing account gives its current one',
        body: AcceptBody,
        security: [],
      },
    },
    async (req, reply) => {
      const body = req.body as z.infer<typeof AcceptBody>
      // Limited per client address, per invite and per account (identity/attempt-limits.ts).
      const joined = await acceptInvite(
        { handle: rt.db, audit: rt.audit, limiter },
        { ...body, clientAddress: req.ip },
      )
      await rt.bus.publish('auth')
      return startSessionResponse(req, reply, joined.session, {
        kind: 'user',
        id: joined.userId,
        name: joined.email,
        role: joined.role,
      })
    },
  )
}
