/**
 * No NUL in management input. PostgreSQL cannot store or even compare a text holding U+0000
 * (it fails the whole statement), while SQLite stores it: the same request would be a 500 on
 * one database and a stored oddity on the other. So every string of a management request
 * (path, query, body, keys included) is checked once here, before validation, and a NUL is a
 * 400 naming the field. The gateway's own routes (/v1, mostly the fast path) are not walked.
 * @module
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { badRequest } from '../../errors/app-error.js'

/** The path of the first string (or key) holding a NUL in `v`, or null. Iterative: no stack depth. */
export function nulPath(v: unknown): string | null {
  const stack: [unknown, string][] = [[v, '']]
  while (stack.length > 0) {
    const [x, at] = stack.pop()!
    if (typeof x === 'string') {
      if (x.includes('\u0000')) return at
    } else if (x !== null && typeof x === 'object') {
      for (const [k, child] of Object.entries(x)) {
        const p = at ? `${at}.${k}` : k
        if (k.includes('\u0000')) return p
        stack.push([child, p])
      }
    }
  }
  return null
}

export function registerNoNul(app: FastifyInstance): void {
  app.addHook('preValidation', function refuseNul(req: FastifyRequest, _reply, done) {
    if (!req.url.startsWith('/api/')) return done()
    for (const [where, value] of [
      ['params', req.params],
      ['query', req.query],
      ['body', req.body],
    ] as const) {
      const at = nulPath(value)
      if (at === null) continue
      const field = at || where
      const ctx = where === 'body' ? '' : ` in ${where}`
      return done(
        badRequest(`invalid request${ctx}: ${field}: text may not contain NUL (\\u0000) characters`, {
          code: 'validation_failed',
          param: field,
        }),
      )
    }
    done()
  })
}
