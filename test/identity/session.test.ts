import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createInvite } from '../../src/identity/invites.js'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'

function cookiesOf(res: { headers: Record<string, unknown> }): Record<string, string> {
  const raw = res.headers['set-cookie']
  const list = Array.isArray(raw) ? raw : raw ? [raw as string] : []
  const out: Record<string, string> = {}
  for (const c of list) {
    const [pair] = String(c).split(';')
    const [k, v] = pair!.split('=')
    out[k!.trim()] = v ?? ''
  }
  return out
}

describe.each(DIALECTS)('sessions, invites and CSRF (%s)', (dialect) => {
  let env: TestEnv
  const email = 'ada@example.com'
  const password = 'correct horse battery staple'

  beforeAll(async () => {
    env = await createTestEnv(dialect)
    const inv = await createInvite(env.rt.db.db, {
      orgId: env.orgId,
      workspaceId: env.workspaceId,
      email,
      role: 'admin',
      createdBy: 'test',
    })
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/invites/accept',
      payload: { token: inv.raw, password },
    })
    expect(res.statusCode).toBe(200)
    // The same link works once.
    const again = await env.app.inject({
      method: 'POST',
      url: '/api/v1/invites/accept',
      payload: { token: inv.raw, password },
    })
    expect(again.statusCode).toBe(401)
  })
  afterAll(async () => {
    await env?.close()
  })

  it('rejects short passwords when accepting an invite', async () => {
    const inv = await createInvite(env.rt.db.db, {
      orgId: env.orgId,
      workspaceId: null,
      email: 'short@example.com',
      role: 'member',
      createdBy: 'test',
    })
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/invites/accept',
      payload: { token: inv.raw, password: 'short' },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.message).toMatch(/at least 12/)
  })

  it('signs in with email and password, enforces CSRF on writes, signs out', async () => {
    const login = await env.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'ADA@example.com', password },
    })
    expect(login.statusCode).toBe(200)
    const { csrfToken } = login.json()
    const c = cookiesOf(login)
    expect(c.lk_session).toBeTruthy()
    expect(c.lk_csrf).toBe(csrfToken)
    const setCookie = String(login.headers['set-cookie'])
    expect(setCookie).toMatch(/lk_session=[^;]+;.*HttpOnly/i)
    expect(setCookie).toMatch(/SameSite=Strict/i)
    const cookie = `lk_session=${c.lk_session}; lk_csrf=${c.lk_csrf}`

    const me = await env.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })
    expect(me.statusCode).toBe(200)
    expect(me.json().principal).toMatchObject({ kind: 'user', name: email, role: 'admin' })

    const noCsrf = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { cookie },
      payload: { name: 'x' },
    })
    expect(noCsrf.statusCode).toBe(403)
    expect(noCsrf.json().error.code).toBe('csrf_failed')
    const badCsrf = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { cookie, 'x-csrf-token': 'nope' },
      payload: { name: 'x' },
    })
    expect(badCsrf.statusCode).toBe(403)
    const ok = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { cookie, 'x-csrf-token': csrfToken },
      payload: { name: 'x' },
    })
    expect(ok.statusCode).toBe(201)

    const out = await env.app.inject({
      method: 'DELETE',
      url: '/api/v1/session',
      headers: { cookie, 'x-csrf-token': csrfToken },
    })
    expect(out.statusCode).toBe(204)
    const after = await env.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })
    expect(after.statusCode).toBe(401)
  })

  it('does not reveal whether an email exists', async () => {
    const wrong = await env.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email, password: 'wrong password!!' },
    })
    const unknown = await env.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'nobody@example.com', password: 'wrong password!!' },
    })
    expect(wrong.statusCode).toBe(401)
    expect(unknown.statusCode).toBe(401)
    expect(wrong.json()).toEqual(unknown.json())
  })

  it('rate limits repeated failed sign-ins for one email', async () => {
    const target = 'victim@example.com'
    let last = 0
    for (let i = 0; i < 12; i++) {
      const r = await env.app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { email: target, password: `guess-${i}-xxxxxxxx` },
      })
      last = r.statusCode
      if (r.statusCode === 429) {
        expect(r.headers['retry-after']).toBeTruthy()
        break
      }
    }
    expect(last).toBe(429)
  })

  it('exchanges an access token for a session that dies with the token', async () => {
    const created = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: env.auth('admin'),
      payload: { name: 'browser' },
    })
    const raw = created.json().token as string
    const login = await env.app.inject({ method: 'POST', url: '/api/v1/session', payload: { token: raw } })
    expect(login.statusCode).toBe(200)
    const c = cookiesOf(login)
    const cookie = `lk_session=${c.lk_session}`
    expect(
      (await env.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).json().principal.name,
    ).toBe('browser')
    await env.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${created.json().id}`,
      headers: env.auth('admin'),
    })
    expect((await env.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(
      401,
    )
    const bad = await env.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { token: 'lk_notatokenatallxxxxxxxxxxxx' },
    })
    expect(bad.statusCode).toBe(401)
  })
})
