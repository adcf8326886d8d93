/**
 * Authentication for every route but the open ones (routes with `config: { auth: false }`).
 * Bearer `lk_` tokens (and `x-api-key` on /v1), or the web app's session cookie plus a CSRF
 * token header on writes. Principals come from the in-memory auth cache.
 * @module
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { forbidden, unauthorized } from '../../errors/app-error.js'
import type { Principal } from '../../identity/principal.js'
import { safeEqualHex, sha256Hex } from '../../identity/secrets.js'
import type { Runtime } from '../runtime.js'

export const SESSION_COOKIE = 'lk_session'
export const CSRF_HEADER = 'x-csrf-token'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: open route; default true. */
    auth?: boolean
  }
  interface FastifyRequest {
    principal: Principal | null
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The bearer token of a request (`x-api-key` too on /v1, for the Anthropic SDK). */
export function bearerToken(req: Pick<FastifyRequest, 'headers' | 'url'>): string | undefined {
  const h = req.headers.authorization
  if (typeof h === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h)
    if (m) return m[1]
  }
  const k = req.headers['x-api-key']
  if (typeof k === 'string' && req.url.startsWith('/v1/')) return k.trim()
  return undefined
}

/**
 * The principal of an access token; 401 when it is unknown, revoked or expired. Synchronous
 * when the auth cache knows the token (the usual case), a promise when it must be loaded.
 */
export function tokenPrincipal(rt: Runtime, token: string): Principal | Promise<Principal> {
  const p = rt.auth.authenticateToken(token)
  return p instanceof Promise ? p.then(known) : known(p)
}

function known(p: Principal | null): Principal {
  if (!p) throw unauthorized('invalid, expired or revoked access token', { code: 'invalid_token' })
  return p
}

export function registerAuth(app: FastifyInstance, rt: Runtime): void {
  app.decorateRequest('principal', null)
  app.addHook('onRequest', async function authenticate(req) {
    if (req.routeOptions.config?.auth === false) return
    if (req.method === 'OPTIONS') return
    // Unknown routes fall through to the 404 handler without revealing anything.
    if (!req.routeOptions.url) return
    const token = bearerToken(req)
    if (token) {
      req.principal = await tokenPrincipal(rt, token)
      return
    }
    const cookie = req.cookies?.[SESSION_COOKIE]
    if (cookie) {
      const p = await rt.auth.authenticateSession(cookie)
      if (!p) throw unauthorized('session expired: sign in again', { code: 'invalid_session' })
      if (!SAFE_METHODS.has(req.method)) {
        const csrf = req.headers[CSRF_HEADER]
        if (typeof csrf !== 'string' || !p.csrfHash || !safeEqualHex(sha256Hex(csrf), p.csrfHash)) {
          throw forbidden(`missing or invalid ${CSRF_HEADER} header`, { code: 'csrf_failed' })
        }
      }
      req.principal = p
      return
    }
    throw unauthorized('missing credentials: send Authorization: Bearer lk_…', { code: 'missing_token' })
  })
}

/** The authenticated principal of a route that requires auth. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthorized()
  return req.principal
}
