/**
 * Browser sign-in: email + password, or an access token exchanged for a session cookie.
 * Failed attempts are rate limited per client address and per email; answers never reveal
 * whether an email is registered.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { badRequest, rateLimited, unauthorized } from '../../errors/app-error.js'
import { verifyPassword } from '../../identity/passwords.js'
import { sha256Hex } from '../../identity/secrets.js'
import { createSession } from '../../identity/sessions.js'
import { principalOf, SESSION_COOKIE } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'
import { clearSessionCookies, startSessionResponse } from '../session-cookies.js'

const WINDOW_MS = 15 * 60_000
const MAX_PER_IP = 30
const MAX_PER_EMAIL = 10

const LoginBody = z.union([
  z.strictObject({
    email: z.string().trim().toLowerCase().min(3).max(320),
    password: z.string().min(1).max(1024),
  }),
  z.strictObject({ token: z.string().min(1).max(256) }),
])

export async function sessionRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  async function checkLimit(key: string, max: number): Promise<void> {
    const n = await rt.counters.get(key, WINDOW_MS)
    if (n >= max) {
      const now = Date.now()
      throw rateLimited(
        'too many failed sign-in attempts: try again later',
        (WINDOW_MS - (now % WINDOW_MS)) / 1000,
      )
    }
  }
  async function recordFailure(keys: string[]): Promise<void> {
    for (const k of keys) await rt.counters.add(k, 1, WINDOW_MS)
  }

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
      const ipKey = `login:ip:${req.ip}`
      await checkLimit(ipKey, MAX_PER_IP)
      if ('token' in body) {
        const p = await rt.auth.authenticateToken(body.token)
        if (!p?.tokenId) {
          await recordFailure([ipKey])
          throw unauthorized('invalid, expired or revoked access token', { code: 'invalid_token' })
        }
        const s = await createSession(rt.db.db, { orgId: p.orgId, tokenId: p.tokenId })
        return startSessionResponse(req, reply, s, { kind: p.kind, id: p.id, name: p.name, role: p.role })
      }
      const emailKey = `login:email:${sha256Hex(body.email)}`
      await checkLimit(emailKey, MAX_PER_EMAIL)
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
        await recordFailure([ipKey, emailKey])
        throw unauthorized('wrong email or password', { code: 'invalid_login' })
      }
      await rt.counters.reset(emailKey)
      const s = await createSession(rt.db.db, { orgId: user.org_id, userId: user.id })
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
      await rt.db.db.deleteFrom('sessions').where('id', '=', p.sessionId).execute()
      await rt.bus.publish('auth')
      clearSessionCookies(reply)
      return reply.status(204).send()
    },
  )
}
