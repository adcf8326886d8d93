/**
 * Issue 15, path 6: a token's role caps every role it carries, org and workspace.
 *
 * The attackers are workspace admins of workspace A: one with org role `member`, who mints a
 * default (`member`) token for A, and one with org role `auditor` (a compliance reader who
 * also runs a team workspace), who mints an `auditor` token for A. Each tries to use the
 * token as if it carried their workspace-admin rights: create and manage A's credentials,
 * grant rights on them, change A's membership. A token may do no more than its role allows,
 * whatever its user could do in a browser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'
import {
  type Browser,
  createToken,
  createWorkspace,
  type Headers,
  join,
  setWorkspaceRole,
} from './security-helpers.js'

describe.each(DIALECTS)('token role caps workspace roles (%s)', (dialect) => {
  let env: TestEnv
  let wsA: string
  let wsAdmin: Browser
  let auditorAdmin: Browser
  let peer: Browser
  let credId: string

  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    headers: Headers,
    payload?: object,
  ) => env.app.inject({ method, url, headers, ...(payload ? { payload } : {}) })

  beforeAll(async () => {
    env = await createTestEnv(dialect)
    wsA = await createWorkspace(env, 'Team A')
    wsAdmin = await join(env, 'ws-admin@example.com', 'member', { workspaceId: wsA })
    await setWorkspaceRole(env, wsA, wsAdmin.userId, 'admin')
    auditorAdmin = await join(env, 'auditor-admin@example.com', 'auditor', { workspaceId: wsA })
    await setWorkspaceRole(env, wsA, auditorAdmin.userId, 'admin')
    peer = await join(env, 'peer@example.com', 'member', { workspaceId: wsA })
    // The workspace admin's own session manages A's keys: the rights the tokens must not carry.
    const c = await call('POST', '/api/v1/credentials', wsAdmin.headers, {
      name: 'team-a-openai',
      provider: 'openai',
      apiKey: 'sk-team-a-0000000000000000000000000000',
      scope: 'workspace',
      workspaceId: wsA,
    })
    expect(c.statusCode, c.body).toBe(201)
    credId = c.json().id
  })
  afterAll(async () => {
    await env?.close()
  })

  for (const role of ['auditor', 'member'] as const) {
    it(`a ${role} token of a workspace admin cannot manage the workspace's keys or members`, async () => {
      const tok = await createToken(env, role === 'auditor' ? auditorAdmin.headers : wsAdmin.headers, {
        name: `${role}-token`,
        ...(role === 'auditor' ? { role } : {}),
        workspaceId: wsA,
      })
      expect(tok.status, JSON.stringify(tok.body)).toBe(201)
      expect(tok.body.role).toBe(role)
      const h = tok.headers

      const created = await call('POST', '/api/v1/credentials', h, {
        name: `planted-by-${role}`,
        provider: 'openai',
        apiKey: `sk-planted-${role}-000000000000000000000000`,
        scope: 'workspace',
        workspaceId: wsA,
      })
      expect(created.statusCode, created.body).toBe(403)
      const patched = await call('PATCH', `/api/v1/credentials/${credId}`, h, { name: 'renamed' })
      expect(patched.statusCode, patched.body).toBe(403)
      const granted = await call('POST', `/api/v1/credentials/${credId}/grants`, h, {
        subjectType: 'user',
        subjectId: peer.userId,
        right: 'manage',
      })
      expect(granted.statusCode, granted.body).toBe(403)
      const rotated = await call('POST', `/api/v1/credentials/${credId}/rotate`, h, {
        apiKey: 'sk-rotated-by-token-000000000000000000000',
      })
      expect(rotated.statusCode, rotated.body).toBe(403)
      const promoted = await call('PUT', `/api/v1/workspaces/${wsA}/members`, h, {
        userId: peer.userId,
        role: 'admin',
      })
      expect(promoted.statusCode, promoted.body).toBe(403)
      const deleted = await call('DELETE', `/api/v1/credentials/${credId}`, h)
      expect(deleted.statusCode, deleted.body).toBe(403)

      // What the token reports is what it can do.
      const me = (await call('GET', '/api/v1/me', h)).json()
      expect(me.principal.role).toBe(role)
      expect(me.principal.workspaceRoles[wsA]).toBe(role)
      const view = (await call('GET', `/api/v1/credentials/${credId}`, h)).json()
      expect(view.canManage).toBe(false)
      // A member token still calls models through the workspace key; an auditor token never.
      expect(view.canUse).toBe(role === 'member')
    })
  }

  it('nothing the tokens tried left a trace', async () => {
    const list = (await call('GET', '/api/v1/credentials', env.auth())).json().data as {
      id: string
      name: string
    }[]
    expect(list.map((c) => c.name)).toEqual(['team-a-openai'])
    const grants = (await call('GET', `/api/v1/credentials/${credId}/grants`, env.auth())).json().data
    expect(grants).toEqual([])
    const members = (await call('GET', '/api/v1/members', env.auth())).json().data as {
      userId: string
      workspaces: { id: string; role: string }[]
    }[]
    expect(members.find((m) => m.userId === peer.userId)?.workspaces).toEqual([{ id: wsA, role: 'member' }])
  })

  it('an admin token of a workspace admin manages that workspace and nothing above it', async () => {
    const tok = await createToken(env, wsAdmin.headers, {
      name: 'ws-admin-token',
      role: 'admin',
      workspaceId: wsA,
    })
    expect(tok.status, JSON.stringify(tok.body)).toBe(201)
    const me = (await call('GET', '/api/v1/me', tok.headers)).json()
    expect(me.principal.role).toBe('member')
    expect(me.principal.workspaceRoles).toEqual({ [wsA]: 'admin' })
    const patched = await call('PATCH', `/api/v1/credentials/${credId}`, tok.headers, {
      models: ['gpt-4.1-mini'],
    })
    expect(patched.statusCode, patched.body).toBe(200)
    // Org-level management stays out of reach.
    const orgCred = await call('POST', '/api/v1/credentials', tok.headers, {
      name: 'org-wide',
      provider: 'openai',
      apiKey: 'sk-org-wide-00000000000000000000000000000',
      scope: 'org',
    })
    expect(orgCred.statusCode, orgCred.body).toBe(403)
    expect((await call('GET', '/api/v1/members', tok.headers)).statusCode).toBe(403)
    // And a token never outranks its user: not owner, not admin of the org.
    const owner = await createToken(env, wsAdmin.headers, {
      name: 'owner-token',
      role: 'owner',
      workspaceId: wsA,
    })
    expect(owner.status).toBe(403)
    const elsewhere = await createToken(env, wsAdmin.headers, {
      name: 'default-ws-admin',
      role: 'admin',
      workspaceId: env.workspaceId,
    })
    expect(elsewhere.status).toBe(403)
  })

  it("a member cannot mint an auditor token to read the org's audit log and member list", async () => {
    const tok = await createToken(env, peer.headers, { name: 'reader', role: 'auditor', workspaceId: wsA })
    if (tok.status === 201) {
      for (const url of ['/api/v1/audit', '/api/v1/members', '/api/v1/usage?groupBy=user']) {
        const r = await call('GET', url, tok.headers)
        expect(r.statusCode, `${url}: ${r.body.slice(0, 200)}`).toBe(403)
      }
    }
    expect(tok.status, JSON.stringify(tok.body)).toBe(403)
    // The member's own session reads none of it either: the token would have been a step up.
    expect((await call('GET', '/api/v1/members', peer.headers)).statusCode).toBe(403)
    // Being a workspace admin does not change that: auditor reads are org-wide.
    const wsTok = await createToken(env, wsAdmin.headers, {
      name: 'reader2',
      role: 'auditor',
      workspaceId: wsA,
    })
    expect(wsTok.status, JSON.stringify(wsTok.body)).toBe(403)
  })

  it("a member's token cannot be bound to a workspace the member is not in", async () => {
    // The default workspace's key: peer belongs to Team A only.
    const c = await call('POST', '/api/v1/credentials', env.auth(), {
      name: 'default-ws-key',
      provider: 'openai',
      apiKey: 'sk-default-ws-000000000000000000000000000',
      scope: 'workspace',
      workspaceId: env.workspaceId,
    })
    expect(c.statusCode, c.body).toBe(201)
    const tok = await createToken(env, peer.headers, { name: 'sneak', workspaceId: env.workspaceId })
    if (tok.status === 201) {
      // Had the token been made, it must still not reach the other workspace's key.
      const view = await call('GET', `/api/v1/credentials/${c.json().id}`, tok.headers)
      expect(view.statusCode === 404 || view.json().canUse === false, view.body).toBe(true)
    }
    expect(tok.status, JSON.stringify(tok.body)).toBe(403)
  })

  it('a member removed from their only workspace acts in none (no fallback to the first one)', async () => {
    const loner = await join(env, 'loner@example.com', 'member', { workspaceId: wsA })
    const r = await call('DELETE', `/api/v1/workspaces/${wsA}/members/${loner.userId}`, env.auth())
    expect(r.statusCode).toBe(204)
    const me = (await call('GET', '/api/v1/me', loner.headers)).json()
    expect(me.principal.workspaceId).toBeNull()
    expect(me.workspaces).toEqual([])
    const list = (await call('GET', '/api/v1/credentials', loner.headers)).json().data as { name: string }[]
    expect(list.map((x) => x.name)).toEqual([])
  })
})
