import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { badRequest, unauthorized } from '../../errors/app-error.js'
import { hashPassword, MIN_PASSWORD_LENGTH } from '../../identity/passwords.js'
import { sha256Hex } from '../../identity/secrets.js'
import { createSession } from '../../identity/sessions.js'
import type { Runtime } from '../runtime.js'
import { startSessionResponse } from '../session-cookies.js'

const AcceptBody = z.strictObject({
  token: z.string().min(10).max(200),
  password: z.string().max(1024),
  name: z.string().trim().max(200).optional(),
})

export async function inviteRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  app.post(
    '/api/v1/invites/accept',
    {
      config: { auth: false },
      schema: {
        tags: ['members'],
        summary: 'Accept an invite: set a password and sign in',
        body: AcceptBody,
        security: [],
      },
    },
    async (req, reply) => {
      const body = req.body as z.infer<typeof AcceptBody>
      if (body.password.length < MIN_PASSWORD_LENGTH) {
        throw badRequest(`password must be at least ${MIN_PASSWORD_LENGTH} characters`, { param: 'password' })
      }
      const passwordHash = await hashPassword(body.password)
      const now = Date.now()
      const result = await rt.db.db.transaction().execute(async (trx) => {
        const inv = await trx
          .selectFrom('invites')
          .selectAll()
          .where('token_hash', '=', sha256Hex(body.token))
          .executeTakeFirst()
        if (!inv || inv.accepted_at != null || Number(inv.expires_at) <= now) {
          throw unauthorized('this invite link is invalid, used or expired: ask for a new one', {
            code: 'invalid_invite',
          })
        }
        const user = await trx
          .selectFrom('users')
          .select(['id'])
          .where('email', '=', inv.email)
          .executeTakeFirstOrThrow()
        // Single use: the conditional update wins once even if two accepts race.
        const claimed = await trx
          .updateTable('invites')
          .set({ accepted_at: now })
          .where('id', '=', inv.id)
          .where('accepted_at', 'is', null)
          .executeTakeFirst()
        if (Number(claimed.numUpdatedRows) !== 1)
          throw unauthorized('this invite link was already used', { code: 'invalid_invite' })
        await trx
          .updateTable('users')
          .set({ password_hash: passwordHash, ...(body.name ? { name: body.name } : {}) })
          .where('id', '=', user.id)
          .execute()
        await rt.audit.record(trx, {
          orgId: inv.org_id,
          actor: user.id,
          actorKind: 'user',
          action: 'member.joined',
          targetType: 'user',
          targetId: user.id,
        })
        const s = await createSession(trx, { orgId: inv.org_id, userId: user.id })
        return { s, userId: user.id, email: inv.email, role: inv.role }
      })
      await rt.bus.publish('auth')
      return startSessionResponse(req, reply, result.s, {
        kind: 'user',
        id: result.userId,
        name: result.email,
        role: result.role,
      })
    },
  )
}
