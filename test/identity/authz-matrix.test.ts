import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createInvite } from '../../src/identity/invites.js'
import { createOrg, createWorkspace } from '../../src/identity/orgs.js'
import type { Role } from '../../src/identity/principal.js'
import { insertToken } from '../../src/identity/tokens-repo.js'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'

type Req = {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  url: string
  payload?: Record<string, unknown>
}

describe.each(DIALECTS)('authorisation matrix and tenant isolation (%s)', (dialect) => {
  let env: TestEnv
  let memberUserId: string
  let otherOrg: { orgId: string; workspaceId: string; token: string; userId: string; tokenId: string }

  beforeAll(async () => {
    env = await createTestEnv(dialect)
    const inv = await createInvite(env.rt.db.db, {
      orgId: env.orgId,
      workspaceId: env.workspaceId,
      email: 'm@example.com',
      role: 'member',
      createdBy: 't',
    })
    memberUserId = inv.userId
    const orgId = await createOrg(env.rt.db.db, 'Other')
    const workspaceId = await createWorkspace(env.rt.db.db, orgId, 'Other WS')
    const inv2 = await createInvite(env.rt.db.db, {
      orgId,
      workspaceId,
      email: 'o@example.com',
      role: 'member',
      createdBy: 't',
    })
    const t = await insertToken(env.rt.db.db, {
      orgId,
      workspaceId,
      userId: null,
      name: 'other-owner',
      role: 'owner',
      createdBy: 't',
    })
    otherOrg = { orgId, workspaceId, token: t.raw, userId: inv2.userId, tokenId: t.row.id }
  })
  afterAll(async () => {
    await env?.close()
  })

  // Which roles may do what: the expected outcome is derived from the route, not from POLICY,
  // so a policy change that widens access fails here.
  const cases: { name: string; req: () => Req; allowed: Role[]; ok: number }[] = [
    {
      name: 'GET /me',
      req: () => ({ method: 'GET', url: '/api/v1/me' }),
      allowed: ['owner', 'admin', 'member', 'auditor'],
      ok: 200,
    },
    {
      name: 'GET /tokens',
      req: () => ({ method: 'GET', url: '/api/v1/tokens' }),
      allowed: ['owner', 'admin', 'member', 'auditor'],
      ok: 200,
    },
    {
      name: 'POST /tokens',
      req: () => ({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'n' } }),
      allowed: ['owner', 'admin', 'member', 'auditor'],
      ok: 201,
    },
    {
      // An auditor token reads the org's audit log and members: a member may not mint one.
      name: 'POST /tokens (role auditor)',
      req: () => ({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'n', role: 'auditor' } }),
      allowed: ['owner', 'admin', 'auditor'],
      ok: 201,
    },
    {
      name: 'GET /members',
      req: () => ({ method: 'GET', url: '/api/v1/members' }),
      allowed: ['owner', 'admin', 'auditor'],
      ok: 200,
    },
    {
      name: 'POST /members',
      req: () => ({
        method: 'POST',
        url: '/api/v1/members',
        payload: { email: `x${Math.random()}@example.com`, role: 'member' },
      }),
      allowed: ['owner', 'admin'],
      ok: 201,
    },
    {
      name: 'PATCH /members/:id',
      req: () => ({ method: 'PATCH', url: `/api/v1/members/${memberUserId}`, payload: { role: 'member' } }),
      allowed: ['owner', 'admin'],
      ok: 200,
    },
    {
      name: 'GET /workspaces',
      req: () => ({ method: 'GET', url: '/api/v1/workspaces' }),
      allowed: ['owner', 'admin', 'member', 'auditor'],
      ok: 200,
    },
    {
      name: 'POST /workspaces',
      req: () => ({ method: 'POST', url: '/api/v1/workspaces', payload: { name: `ws-${Math.random()}` } }),
      allowed: ['owner', 'admin'],
      ok: 201,
    },
    {
      name: 'PATCH /workspaces/:id',
      req: () => ({
        method: 'PATCH',
        url: `/api/v1/workspaces/${env.workspaceId}`,
        payload: { name: 'Default' },
      }),
      allowed: ['owner', 'admin'],
      ok: 200,
    },
    {
      name: 'GET /settings',
      req: () => ({ method: 'GET', url: '/api/v1/settings' }),
      allowed: ['owner', 'admin', 'auditor'],
      ok: 200,
    },
    {
      name: 'PATCH /settings',
      req: () => ({ method: 'PATCH', url: '/api/v1/settings', payload: { retentionDays: 30 } }),
      allowed: ['owner'],
      ok: 200,
    },
    {
      name: 'GET /metrics',
      req: () => ({ method: 'GET', url: '/metrics' }),
      allowed: ['owner', 'admin', 'auditor'],
      ok: 200,
    },
    {
      name: 'GET /openapi.json',
      req: () => ({ method: 'GET', url: '/api/v1/openapi.json' }),
      allowed: ['owner', 'admin', 'member', 'auditor'],
      ok: 200,
    },
  ]
  const roles: Role[] = ['owner', 'admin', 'member', 'auditor']

  for (const c of cases) {
    for (const role of roles) {
      const expected = c.allowed.includes(role) ? c.ok : 403
      it(`${c.name} as ${role} → ${expected}`, async () => {
        const res = await env.app.inject({ ...c.req(), headers: env.auth(role) })
        expect(res.statusCode, res.body).toBe(expected)
      })
    }
    it(`${c.name} without credentials → 401`, async () => {
      const res = await env.app.inject(c.req())
      expect(res.statusCode).toBe(401)
    })
  }

  it('a token of another org never sees this org', async () => {
    const h = { authorization: `Bearer ${otherOrg.token}` }
    const members = await env.app.inject({ method: 'GET', url: '/api/v1/members', headers: h })
    expect(members.json().data.map((m: { email: string }) => m.email)).toEqual(['o@example.com'])
    const tokens = await env.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: h })
    expect(tokens.json().data.every((t: { id: string }) => t.id === otherOrg.tokenId)).toBe(true)
    const ws = await env.app.inject({ method: 'GET', url: '/api/v1/workspaces', headers: h })
    expect(ws.json().data.map((w: { id: string }) => w.id)).toEqual([otherOrg.workspaceId])
    // Cross-tenant ids behave as if they did not exist.
    const patchMember = await env.app.inject({
      method: 'PATCH',
      url: `/api/v1/members/${memberUserId}`,
      headers: h,
      payload: { role: 'owner' },
    })
    expect(patchMember.statusCode).toBe(404)
    const delMember = await env.app.inject({
      method: 'DELETE',
      url: `/api/v1/members/${memberUserId}`,
      headers: h,
    })
    expect(delMember.statusCode).toBe(404)
    const renameWs = await env.app.inject({
      method: 'PATCH',
      url: `/api/v1/workspaces/${env.workspaceId}`,
      headers: h,
      payload: { name: 'pwned' },
    })
    expect(renameWs.statusCode).toBe(404)
    const list = await env.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: env.auth('owner') })
    const someId = list.json().data[0].id
    const revoke = await env.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${someId}`, headers: h })
    expect(revoke.statusCode).toBe(404)
    const tokenWs = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: h,
      payload: { name: 'x', workspaceId: env.workspaceId },
    })
    expect(tokenWs.statusCode).toBe(400)
    // And this org's owner cannot reach the other org's member either.
    const back = await env.app.inject({
      method: 'PATCH',
      url: `/api/v1/members/${otherOrg.userId}`,
      headers: env.auth('owner'),
      payload: { role: 'admin' },
    })
    expect(back.statusCode).toBe(404)
  })

  it('never grants more than the creator holds', async () => {
    const r = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: env.auth('member'),
      payload: { name: 'x', role: 'admin' },
    })
    expect(r.statusCode).toBe(403)
    const a = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: env.auth('auditor'),
      payload: { name: 'x', role: 'member' },
    })
    expect(a.statusCode).toBe(403)
    const adminOwner = await env.app.inject({
      method: 'POST',
      url: '/api/v1/members',
      headers: env.auth('admin'),
      payload: { email: 'boss@example.com', role: 'owner' },
    })
    expect(adminOwner.statusCode).toBe(403)
  })

  it('rejects unknown fields and bad values with a 400 naming them', async () => {
    const r = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: env.auth(),
      payload: { name: 'x', admin: true },
    })
    expect(r.statusCode).toBe(400)
    expect(r.json().error.message).toMatch(/admin/)
    const r2 = await env.app.inject({
      method: 'POST',
      url: '/api/v1/members',
      headers: env.auth(),
      payload: { email: 'not-an-email' },
    })
    expect(r2.statusCode).toBe(400)
    expect(r2.json().error.message).toMatch(/email/)
  })
})
