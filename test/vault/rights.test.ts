import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWorkspace } from '../../src/identity/orgs.js'
import type { Principal } from '../../src/identity/principal.js'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'
import { addUser, canaryKey, createCredential, type TestUser } from './vault-helpers.js'

describe.each(DIALECTS)('credential rights and resolution (%s)', (dialect) => {
  let env: TestEnv
  let alice: TestUser
  let bob: TestUser
  let otherWs: string
  let carol: TestUser
  const principal = async (token: string): Promise<Principal> => (await env.rt.auth.authenticateToken(token))!

  beforeAll(async () => {
    env = await createTestEnv(dialect)
    alice = await addUser(env, 'member')
    bob = await addUser(env, 'member')
    otherWs = await createWorkspace(env.rt.db.db, env.orgId, 'Other')
    carol = await addUser(env, 'member', { workspaceId: otherWs })
  })
  afterAll(async () => {
    await env?.close()
  })

  it('enforces who may create in each scope', async () => {
    const body = (name: string, scope: string) => ({ name, provider: 'openai', apiKey: canaryKey(), scope })
    expect((await createCredential(env, env.auth('admin'), body('org-a', 'org'))).status).toBe(201)
    expect((await createCredential(env, env.auth('member'), body('org-b', 'org'))).status).toBe(403)
    expect((await createCredential(env, env.auth('member'), body('ws-b', 'workspace'))).status).toBe(403)
    expect((await createCredential(env, env.auth('auditor'), body('p-a', 'personal'))).status).toBe(403)
    // A token that acts for no user cannot hold personal credentials.
    expect((await createCredential(env, env.auth('member'), body('p-b', 'personal'))).status).toBe(400)
    const mine = await createCredential(env, alice.headers, {
      name: 'mine',
      provider: 'openai',
      apiKey: canaryKey(),
    })
    expect(mine.status).toBe(201)
    expect(mine.json).toMatchObject({ scope: 'personal', ownerUserId: alice.userId })
    expect(
      (await env.app.inject({ method: 'GET', url: '/api/v1/credentials', headers: env.auth('auditor') }))
        .statusCode,
    ).toBe(200)
  })

  it('keeps personal credentials to their owner (admins may revoke, never use)', async () => {
    const c = await createCredential(env, alice.headers, {
      name: 'alice-key',
      provider: 'anthropic',
      apiKey: canaryKey('sk-ant'),
    })
    const id = c.json.id
    const asBob = await env.app.inject({
      method: 'GET',
      url: `/api/v1/credentials/${id}`,
      headers: bob.headers,
    })
    expect(asBob.statusCode).toBe(404)
    const bobList = await env.app.inject({ method: 'GET', url: '/api/v1/credentials', headers: bob.headers })
    expect(bobList.json().data.map((x: { id: string }) => x.id)).not.toContain(id)
    expect(await env.rt.credentials.find(await principal(bob.token), 'alice-key')).toBeNull()
    expect(await env.rt.credentials.find(await principal(env.tokens.admin), 'alice-key')).toBeNull()
    const m = await env.rt.credentials.find(await principal(alice.token), 'alice-key')
    expect(m?.credentialId).toBe(id)
    const share = await env.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${id}/grants`,
      headers: alice.headers,
      payload: { subjectType: 'user', subjectId: bob.userId, right: 'use' },
    })
    expect(share.statusCode).toBe(400)
    const adminRevoke = await env.app.inject({
      method: 'DELETE',
      url: `/api/v1/credentials/${id}`,
      headers: env.auth('admin'),
    })
    expect(adminRevoke.statusCode).toBe(204)
  })

  it('restricts use to grantees once a use grant exists, and grants manage', async () => {
    const c = (
      await createCredential(env, env.auth('admin'), {
        name: 'restricted',
        provider: 'openai',
        apiKey: canaryKey(),
        scope: 'org',
      })
    ).json
    // Open to the org by default.
    expect(await env.rt.credentials.find(await principal(bob.token), 'restricted')).not.toBeNull()
    const grant = (
      payload: Record<string, string>,
      headers = env.auth('admin'),
      method: 'POST' | 'DELETE' = 'POST',
    ) => env.app.inject({ method, url: `/api/v1/credentials/${c.id}/grants`, headers, payload })
    expect((await grant({ subjectType: 'user', subjectId: alice.userId, right: 'use' })).statusCode).toBe(201)
    await expect(env.rt.credentials.find(await principal(bob.token), 'restricted')).rejects.toMatchObject({
      status: 403,
    })
    expect((await env.rt.credentials.find(await principal(alice.token), 'restricted'))?.credentialId).toBe(
      c.id,
    )
    expect((await env.rt.credentials.list(await principal(bob.token))).map((m) => m.name)).not.toContain(
      'restricted',
    )
    // Members cannot grant (a restricted credential is not even visible to them: 404); a manage grant lets one.
    expect(
      (await grant({ subjectType: 'token', subjectId: bob.tokenId, right: 'use' }, bob.headers)).statusCode,
    ).toBe(404)
    expect((await grant({ subjectType: 'user', subjectId: bob.userId, right: 'manage' })).statusCode).toBe(
      201,
    )
    expect(
      (
        await grant(
          { subjectType: 'token', subjectId: env.tokens.member.slice(0, 5), right: 'use' },
          bob.headers,
        )
      ).statusCode,
    ).toBe(400)
    const patch = await env.app.inject({
      method: 'PATCH',
      url: `/api/v1/credentials/${c.id}`,
      headers: bob.headers,
      payload: { models: ['a'] },
    })
    expect(patch.statusCode).toBe(200)
    expect((await env.rt.credentials.find(await principal(bob.token), 'restricted'))?.credentialId).toBe(c.id)
    const list = await env.app.inject({
      method: 'GET',
      url: `/api/v1/credentials/${c.id}/grants`,
      headers: env.auth('admin'),
    })
    expect(list.json().data).toHaveLength(2)
    expect(
      (
        await grant(
          { subjectType: 'user', subjectId: bob.userId, right: 'manage' },
          env.auth('admin'),
          'DELETE',
        )
      ).statusCode,
    ).toBe(204)
    await expect(env.rt.credentials.find(await principal(bob.token), 'restricted')).rejects.toMatchObject({
      status: 403,
    })
    // Auditors never use.
    await expect(
      env.rt.credentials.find(await principal(env.tokens.auditor), 'restricted'),
    ).rejects.toMatchObject({ status: 403 })
  })

  it('members cannot manage org credentials; workspace credentials stay in their workspace', async () => {
    const org = (
      await createCredential(env, env.auth('admin'), {
        name: 'org-only',
        provider: 'openai',
        apiKey: canaryKey(),
        scope: 'org',
      })
    ).json
    for (const req of [
      { method: 'PATCH' as const, url: `/api/v1/credentials/${org.id}`, payload: { models: ['x'] } },
      {
        method: 'POST' as const,
        url: `/api/v1/credentials/${org.id}/rotate`,
        payload: { apiKey: canaryKey() },
      },
      { method: 'DELETE' as const, url: `/api/v1/credentials/${org.id}` },
      { method: 'POST' as const, url: `/api/v1/credentials/${org.id}/test` },
    ]) {
      expect((await env.app.inject({ ...req, headers: alice.headers })).statusCode).toBe(403)
    }
    const ws = (
      await createCredential(env, env.auth('admin'), {
        name: 'ws-only',
        provider: 'openai',
        apiKey: canaryKey(),
        scope: 'workspace',
      })
    ).json
    expect(ws.workspaceId).toBe(env.workspaceId)
    expect(await env.rt.credentials.find(await principal(carol.token), 'ws-only')).toBeNull()
    expect((await env.rt.credentials.find(await principal(alice.token), 'ws-only'))?.credentialId).toBe(ws.id)
  })

  it('resolves personal, then workspace, then org', async () => {
    const mk = (headers: { authorization: string }, scope: string) =>
      createCredential(env, headers, { name: 'shared', provider: 'openai', apiKey: canaryKey(), scope })
    const org = (await mk(env.auth('admin'), 'org')).json
    const ws = (await mk(env.auth('admin'), 'workspace')).json
    const personal = (await mk(alice.headers, 'personal')).json
    expect([org.status, ws.status, personal.status]).toEqual([undefined, undefined, undefined])
    expect((await env.rt.credentials.find(await principal(alice.token), 'shared'))?.credentialId).toBe(
      personal.id,
    )
    expect((await env.rt.credentials.find(await principal(bob.token), 'SHARED'))?.credentialId).toBe(ws.id)
    expect((await env.rt.credentials.find(await principal(carol.token), 'shared'))?.credentialId).toBe(org.id)
    const names = (await env.rt.credentials.list(await principal(alice.token))).filter(
      (m) => m.name === 'shared',
    )
    expect(names.map((m) => m.credentialId)).toEqual([personal.id])
  })
})
