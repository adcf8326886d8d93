import type { FastifyReply, FastifyRequest } from 'fastify'
import { SESSION_COOKIE } from './plugins/auth.js'

/** Readable by the page's script (double-submit CSRF): the app echoes it in x-csrf-token. */
export const CSRF_COOKIE = 'lk_csrf'

function secure(req: FastifyRequest): boolean {
  return req.protocol === 'https'
}

export function setSessionCookies(
  req: FastifyRequest,
  reply: FastifyReply,
  raw: string,
  csrf: string,
  expiresAt: number,
): void {
  const expires = new Date(expiresAt)
  reply.setCookie(SESSION_COOKIE, raw, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: secure(req),
    expires,
  })
  reply.setCookie(CSRF_COOKIE, csrf, {
    httpOnly: false,
    sameSite: 'strict',
    path: '/',
    secure: secure(req),
    expires,
  })
}

export function clearSessionCookies(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' })
  reply.clearCookie(CSRF_COOKIE, { path: '/' })
}

/** Sets the session cookies and returns the sign-in response body (login and invite acceptance). */
export function startSessionResponse(
  req: FastifyRequest,
  reply: FastifyReply,
  s: { raw: string; csrf: string; expiresAt: number },
  principal: { kind: 'token' | 'user'; id: string; name: string; role: string },
) {
  setSessionCookies(req, reply, s.raw, s.csrf, s.expiresAt)
  return { csrfToken: s.csrf, expiresAt: new Date(s.expiresAt).toISOString(), principal }
}
