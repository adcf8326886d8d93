/**
 * Browser sign-in: email + password, or an access token exchanged for a session cookie.
 * Failed attempts are rate limited per client address and per email; answers never reveal
 * whether an email is registered.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { actorEvent } from '../../audit/actor-event.js'
import { badRequest, unauthorized } from '../../errors/app-error.js'
import { AttemptLimiter, accountLimit, addressLimit } from '../../identity/attempt-limits.js'
import { verifyPassword } from '../../identity/passwords.js'
import { createSession } from '../../identity/sessions.js'
import { principalOf, SESSION_COOKIE } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'
import { clearSessionCookies, startSessionResponse } from '../session-cookies.js'

const LoginBody = z.union([
  z.strictObject({
    email: z.string().trim().toLowerCase().min(3).max(320),
    password: z.string().min(1).max(1024),
  }),
  z.strictObject({ token: z.string().min(1).max(256) }),
])

export async function sessionRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const limiter = new AttemptLimiter(rt.counters)

  app.post(
    '/api/v1/session',
    {
      config: { auth: false },
      schema: {
        tags: ['session'],
        summary: 'Sign in with email and password, or with an access token',
        body: LoginBody,
        security: [],
      },
    },
    async (req, reply) => {
      const body = req.body as z.infer<typeof LoginBody>
      // Counted before anything is checked (identity/attempt-limits.ts): a parallel burst
      // gets at most the limit verified.
      const byAddress = addressLimit('login', req.ip)
      if ('token' in body) {
        const attempt = await limiter.begin([byAddress])
        const p = await rt.auth.authenticateToken(body.token)
        if (!p?.tokenId)
          throw unauthorized('invalid, expired or revoked access token', { code: 'invalid_token' })
        await attempt.succeeded()
        const tokenId = p.tokenId
        const s = await rt.db.db.transaction().execute(async (trx) => {
          const created = await createSession(trx, { orgId: p.orgId, tokenId })
          await rt.audit.record(
            trx,
            actorEvent(p, 'auth.sign_in', { details: { method: 'token', address: req.ip } }),
          )
          return created
        })
        return startSessionResponse(req, reply, s, { kind: p.kind, id: p.id, name: p.name, role: p.role })
      }
      const attempt = await limiter.begin([byAddress, accountLimit(body.email)])
      const user = await rt.db.db
        .selectFrom('users')
        .innerJoin('org_memberships', 'org_memberships.user_id', 'users.id')
        .select([
          'users.id',
          'users.password_hash',
          'users.disabled_at',
          'org_memberships.org_id',
          'org_memberships.role',
        ])
        .where('users.email', '=', body.email)
        // Orgs whose invite the user has not accepted are not theirs to sign in to.
        .where('org_memberships.pending_since', 'is', null)
        .orderBy('org_memberships.created_at')
        .executeTakeFirst()
      // Always run one argon2 verification so timing does not reveal unknown emails.
      const ok = await verifyPassword(user?.disabled_at == null ? user?.password_hash : null, body.password)
      if (!user || !ok) {
        // Audited in the account's org (never the password, nor the email typed: the account
        // id says whose it was). After the answer, so the extra write does not tell known
        // accounts from unknown ones by timing; an unknown email belongs to no org's log.
        if (user) {
          const event = {
            orgId: user.org_id,
            actor: user.id,
            actorKind: 'user' as const,
            action: 'auth.sign_in_failed',
            details: {
              method: 'password',
              reason: user.disabled_at == null ? 'wrong_password' : 'account_disabled',
              address: req.ip,
            },
          }
          reply.raw.once('close', () => {
            rt.audit
              .record(rt.db.db, event)
              .catch((err: Error) => rt.logger.warn({ reason: err.message }, 'failed sign-in not audited'))
          })
        }
        throw unauthorized('wrong email or password', { code: 'invalid_login' })
      }
      await attempt.succeeded()
      const s = await rt.db.db.transaction().execute(async (trx) => {
        const created = await createSession(trx, { orgId: user.org_id, userId: user.id })
        await rt.audit.record(trx, {
          orgId: user.org_id,
          actor: user.id,
          actorKind: 'user',
          action: 'auth.sign_in',
          details: { method: 'password', address: req.ip },
        })
        return created
      })
      return startSessionResponse(req, reply, s, {
        kind: 'user',
        id: user.id,
        name: body.email,
        role: user.role,
      })
    },
  )

  app.delete(
    '/api/v1/session',
    { schema: { tags: ['session'], summary: 'Sign out' } },
    async (req, reply) => {
      const p = principalOf(req)
      const cookie = req.cookies[SESSION_COOKIE]
      if (!p.sessionId || !cookie) throw badRequest('not signed in with a session cookie')
      const sessionId = p.sessionId
      await rt.db.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('sessions').where('id', '=', sessionId).execute()
        await rt.audit.record(trx, actorEvent(p, 'auth.sign_out', { details: { address: req.ip } }))
      })
      await rt.bus.publish('auth')
      clearSessionCookies(reply)
      return reply.status(204).send()
    },
  )
}
