import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'

describe.each(DIALECTS)('members and workspaces (%s)', (dialect) => {
  let env: TestEnv
  beforeAll(async () => {
    env = await createTestEnv(dialect)
  })
  afterAll(async () => {
    await env?.close()
  })

  async function invite(email: string, role: string, headers = env.auth()) {
    const r = await env.app.inject({
      method: 'POST',
      url: '/api/v1/members',
      headers,
      payload: { email, role },
    })
    expect(r.statusCode, r.body).toBe(201)
    const body = r.json()
    expect(body.inviteUrl).toMatch(/\/invite#token=inv_/)
    const acc = await env.app.inject({
      method: 'POST',
      url: '/api/v1/invites/accept',
      payload: { token: body.inviteToken, password: 'a long enough password' },
    })
    expect(acc.statusCode).toBe(200)
    return body.userId as string
  }

  it('invites, lists, changes roles and protects the last owner', async () => {
    const owner = await invite('owner@example.com', 'owner')
    const list = await env.app.inject({ method: 'GET', url: '/api/v1/members', headers: env.auth() })
    expect(list.json().data.find((m: { userId: string }) => m.userId === owner)).toMatchObject({
      role: 'owner',
      status: 'active',
    })
    // Inviting an active member again is a conflict.
    const again = await env.app.inject({
      method: 'POST',
      url: '/api/v1/members',
      headers: env.auth(),
      payload: { email: 'owner@example.com', role: 'member' },
    })
    expect(again.statusCode).toBe(409)
    // The only owner (the test tokens are not users) can be neither demoted nor removed.
    const demote = await env.app.inject({
      method: 'PATCH',
      url: `/api/v1/members/${owner}`,
      headers: env.auth(),
      payload: { role: 'admin' },
    })
    expect(demote.statusCode).toBe(409)
    const remove = await env.app.inject({
      method: 'DELETE',
      url: `/api/v1/members/${owner}`,
      headers: env.auth(),
    })
    expect(remove.statusCode).toBe(409)
    // Admins cannot touch owners.
    const byAdmin = await env.app.inject({
      method: 'DELETE',
      url: `/api/v1/members/${owner}`,
      headers: env.auth('admin'),
    })
    expect(byAdmin.statusCode).toBe(403)
    // With a second owner, the first can step down.
    await invite('owner2@example.com', 'owner')
    const ok = await env.app.inject({
      method: 'PATCH',
      url: `/api/v1/members/${owner}`,
      headers: env.auth(),
      payload: { role: 'admin' },
    })
    expect(ok.statusCode).toBe(200)
  })

  it('removing a member ends their sessions and tokens at once', async () => {
    const userId = await invite('leaver@example.com', 'member')
    const login = await env.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'leaver@example.com', password: 'a long enough password' },
    })
    const cookie = String(login.headers['set-cookie']).match(/lk_session=[^;]+/)![0]
    const csrf = login.json().csrfToken
    const tok = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { name: 'mine' },
    })
    expect(tok.statusCode).toBe(201)
    const h = { authorization: `Bearer ${tok.json().token}` }
    expect(
      (await env.app.inject({ method: 'GET', url: '/api/v1/me', headers: h })).json().principal.userId,
    ).toBe(userId)
    const del = await env.app.inject({
      method: 'DELETE',
      url: `/api/v1/members/${userId}`,
      headers: env.auth('admin'),
    })
    expect(del.statusCode).toBe(204)
    expect((await env.app.inject({ method: 'GET', url: '/api/v1/me', headers: h })).statusCode).toBe(401)
    expect((await env.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(
      401,
    )
  })

  it("a user's token follows the user's role", async () => {
    const userId = await invite('climber@example.com', 'admin')
    const login = await env.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'climber@example.com', password: 'a long enough password' },
    })
    const cookie = String(login.headers['set-cookie']).match(/lk_session=[^;]+/)![0]
    const tok = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { cookie, 'x-csrf-token': login.json().csrfToken },
      payload: { name: 'adm', role: 'admin' },
    })
    const h = { authorization: `Bearer ${tok.json().token}` }
    expect((await env.app.inject({ method: 'GET', url: '/api/v1/members', headers: h })).statusCode).toBe(200)
    await env.app.inject({
      method: 'PATCH',
      url: `/api/v1/members/${userId}`,
      headers: env.auth(),
      payload: { role: 'member' },
    })
    expect((await env.app.inject({ method: 'GET', url: '/api/v1/members', headers: h })).statusCode).toBe(403)
  })

  it('creates, renames and scopes workspaces', async () => {
    const c = await env.app.inject({
      method: 'POST',
      url: '/api/v1/workspaces',
      headers: env.auth('admin'),
      payload: { name: 'Research' },
    })
    expect(c.statusCode).toBe(201)
    const dup = await env.app.inject({
      method: 'POST',
      url: '/api/v1/workspaces',
      headers: env.auth('admin'),
      payload: { name: 'Research' },
    })
    expect(dup.statusCode).toBe(409)
    const ren = await env.app.inject({
      method: 'PATCH',
      url: `/api/v1/workspaces/${c.json().id}`,
      headers: env.auth('admin'),
      payload: { name: 'R&D' },
    })
    expect(ren.json()).toEqual({ id: c.json().id, name: 'R&D' })
    // A member token bound to the default workspace does not see the new one.
    const ws = await env.app.inject({ method: 'GET', url: '/api/v1/workspaces', headers: env.auth('member') })
    expect(ws.json().data.map((w: { id: string }) => w.id)).toEqual([env.workspaceId])
  })

  it('settings can only tighten the environment', async () => {
    const r = await env.app.inject({
      method: 'PATCH',
      url: '/api/v1/settings',
      headers: env.auth(),
      payload: { egress: 'private-only' },
    })
    expect(r.statusCode).toBe(200)
    expect(r.json()).toMatchObject({ egress: 'private-only', ceiling: { egress: 'open' } })
    const store = await env.app.inject({
      method: 'PATCH',
      url: '/api/v1/settings',
      headers: env.auth(),
      payload: { storeContent: true },
    })
    expect(store.statusCode).toBe(400)
    expect(store.json().error.message).toMatch(/LATCHKEY_STORE_CONTENT/)
    const cors = await env.app.inject({
      method: 'PATCH',
      url: '/api/v1/settings',
      headers: env.auth(),
      payload: { corsOrigins: ['https://app.example.com'] },
    })
    expect(cors.statusCode).toBe(200)
    const pre = await env.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/me',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
    })
    expect(pre.headers['access-control-allow-origin']).toBe('https://app.example.com')
    const other = await env.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/me',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' },
    })
    expect(other.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('gateway rate limits: owners set positive integers, null clears one', async () => {
    const patch = (payload: unknown, role?: 'admin') =>
      env.app.inject({
        method: 'PATCH',
        url: '/api/v1/settings',
        headers: env.auth(role),
        payload: payload as object,
      })
    expect((await patch({ limits: { tokenRpm: 5 } }, 'admin')).statusCode).toBe(403)
    for (const bad of [{ tokenRpm: 0 }, { tokenTpm: 1.5 }, { workspaceRpm: -1 }, { perDay: 3 }]) {
      expect((await patch({ limits: bad })).statusCode).toBe(400)
    }
    const set = await patch({ limits: { tokenRpm: 5, workspaceTpm: 1000 } })
    expect(set.statusCode).toBe(200)
    expect(set.json().limits).toEqual({ tokenRpm: 5, workspaceTpm: 1000 })
    // The gateway reads the same in-memory settings.
    expect(env.rt.settings.get(env.orgId).limits).toEqual({ tokenRpm: 5, workspaceTpm: 1000 })
    const cleared = await patch({ limits: { tokenRpm: null, workspaceRpm: 7 } })
    expect(cleared.json().limits).toEqual({ workspaceTpm: 1000, workspaceRpm: 7 })
    const none = await patch({ limits: { workspaceTpm: null, workspaceRpm: null } })
    expect(none.json().limits).toEqual({})
    const get = await env.app.inject({ method: 'GET', url: '/api/v1/settings', headers: env.auth('admin') })
    expect(get.json().limits).toEqual({})
  })

  it('a stored limit of 0 means unlimited and does not void the other settings', async () => {
    const before = (
      await env.rt.db.db
        .selectFrom('orgs')
        .select('settings')
        .where('id', '=', env.orgId)
        .executeTakeFirstOrThrow()
    ).settings
    await env.rt.db.db
      .updateTable('orgs')
      .set({ settings: JSON.stringify({ retentionDays: 9, limits: { tokenRpm: 0, tokenTpm: 10 } }) })
      .where('id', '=', env.orgId)
      .execute()
    try {
      await env.rt.settings.reload()
      expect(env.rt.settings.get(env.orgId)).toMatchObject({ retentionDays: 9, limits: { tokenTpm: 10 } })
      expect(env.rt.settings.get(env.orgId).limits).toEqual({ tokenTpm: 10 })
    } finally {
      await env.rt.db.db.updateTable('orgs').set({ settings: before }).where('id', '=', env.orgId).execute()
      await env.rt.settings.reload()
    }
  })
})

describe('settings under a strict environment', () => {
  it('refuses to loosen LATCHKEY_EGRESS=private-only', async () => {
    const env = await createTestEnv('sqlite', { env: { LATCHKEY_EGRESS: 'private-only' } })
    try {
      const r = await env.app.inject({
        method: 'PATCH',
        url: '/api/v1/settings',
        headers: env.auth(),
        payload: { egress: 'open' },
      })
      expect(r.statusCode).toBe(400)
      expect(r.json().error.message).toMatch(/loosen/)
    } finally {
      await env.close()
    }
  })
})
