/**
 * Issue 15, path 4: invite takeover. Users are global (one account per email across orgs) and
 * whoever creates an invite sees its one-time token, so an inviting admin can always accept
 * their own invite. That must never hand them an account that already exists, a role the
 * invite did not say, or the keys of someone who left.
 *
 * The attackers: an admin of another org on the same installation, and an admin of the same
 * org (not owner). The exfiltration target for keys is a recording upstream on loopback.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOrg, createWorkspace } from '../../src/identity/orgs.js'
import { sha256Hex } from '../../src/identity/secrets.js'
import { insertToken } from '../../src/identity/tokens-repo.js'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'
import {
  allowPrivateOrigins,
  type Browser,
  createToken,
  type Headers,
  invite,
  join,
  PASSWORD,
  sessionHeaders,
  signIn,
} from './security-helpers.js'

const ATTACKER_PASSWORD = 'the attacker chose this one'

interface Upstream {
  url: string
  /** Authorization headers that reached the upstream. */
  seen: string[]
  close(): Promise<void>
}

/** An OpenAI-compatible upstream that records which keys reach it. */
async function recordingUpstream(): Promise<Upstream> {
  const seen: string[] = []
  const server = http.createServer((req, res) => {
    seen.push(String(req.headers.authorization ?? ''))
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created: 1,
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      )
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/v1`,
    seen,
    close: () => new Promise((r) => server.close(() => r())),
  }
}

describe.each(DIALECTS)('invite takeover (%s)', (dialect) => {
  let env: TestEnv
  let upstream: Upstream
  /** Admin token of a second org on the same installation. */
  let orgB: { orgId: string; admin: Headers }

  const accept = (token: string, password: string) =>
    env.app.inject({ method: 'POST', url: '/api/v1/invites/accept', payload: { token, password } })
  const me = async (h: Headers) =>
    (await env.app.inject({ method: 'GET', url: '/api/v1/me', headers: h })).json()

  beforeAll(async () => {
    env = await createTestEnv(dialect)
    upstream = await recordingUpstream()
    const orgId = await createOrg(env.rt.db.db, 'Org B')
    const workspaceId = await createWorkspace(env.rt.db.db, orgId, 'B main')
    const t = await insertToken(env.rt.db.db, {
      orgId,
      workspaceId,
      userId: null,
      name: 'b-admin',
      role: 'admin',
      createdBy: 'test',
    })
    orgB = { orgId, admin: { authorization: `Bearer ${t.raw}` } }
  })
  afterAll(async () => {
    await env?.close()
    await upstream?.close()
  })

  it("another org's admin cannot take over an existing account by inviting and accepting for it", async () => {
    const alice = await join(env, 'alice@example.com', 'admin')
    const inv = await invite(env, 'alice@example.com', 'member', { by: orgB.admin })
    expect(inv.status, JSON.stringify(inv.body)).toBe(201)
    // The attacker holds the link and accepts it with a password of their choosing.
    const taken = await accept(inv.token, ATTACKER_PASSWORD)
    expect(taken.statusCode, taken.body).toBe(401)
    expect(taken.json().error.code).toBe('existing_account')
    expect(taken.headers['set-cookie']).toBeUndefined()
    expect((await signIn(env, 'alice@example.com', ATTACKER_PASSWORD)).statusCode).toBe(401)
    // Alice's password and session are untouched.
    expect((await me(alice.headers)).principal).toMatchObject({ userId: alice.userId, orgId: env.orgId })
    const own = await signIn(env, 'alice@example.com')
    expect(own.statusCode).toBe(200)
    expect((await me(sessionHeaders(own))).principal.orgId).toBe(env.orgId)
    // Alice herself joins B by proving she is Alice; she holds the role the invite gave.
    const joined = await accept(inv.token, PASSWORD)
    expect(joined.statusCode, joined.body).toBe(200)
    expect(joined.json().principal).toMatchObject({ id: alice.userId, role: 'member' })
    expect((await me(sessionHeaders(joined))).principal).toMatchObject({ orgId: orgB.orgId, role: 'member' })
  })

  it('accepting one org’s invite does not activate a pending invite of another org', async () => {
    // A's owner invites Pat as owner; Pat has not opened the link yet.
    const forA = await invite(env, 'pat@example.com', 'owner')
    expect(forA.status).toBe(201)
    // B's admin invites the same address and accepts first, choosing the password.
    const forB = await invite(env, 'pat@example.com', 'member', { by: orgB.admin })
    const acc = await accept(forB.token, ATTACKER_PASSWORD)
    expect(acc.statusCode, acc.body).toBe(200)
    const login = await signIn(env, 'pat@example.com', ATTACKER_PASSWORD)
    expect(login.statusCode).toBe(200)
    const who = await me(sessionHeaders(login))
    expect(who.principal).toMatchObject({ orgId: orgB.orgId, role: 'member' })
    // A's pending owner seat stays pending: A's member list says so, and the attacker's
    // account cannot claim it without A's link *and* does not pass as Pat with it either.
    const listA = (
      await env.app.inject({ method: 'GET', url: '/api/v1/members', headers: env.auth() })
    ).json()
    expect(listA.data.find((m: { email: string }) => m.email === 'pat@example.com')).toMatchObject({
      role: 'owner',
      status: 'invited',
    })
    const realPat = await accept(forA.token, 'pat chose this password')
    expect(realPat.statusCode).toBe(401)
    expect(realPat.json().error.code).toBe('existing_account')
  })

  it("a re-invite by an admin cannot take a pending owner's seat", async () => {
    const first = await invite(env, 'quinn@example.com', 'owner')
    expect(first.status).toBe(201)
    const re = await invite(env, 'quinn@example.com', 'member', { by: env.auth('admin') })
    if (re.status === 201) {
      // Had it worked: the admin accepts the "member" link and would hold the owner role.
      const acc = await accept(re.token, ATTACKER_PASSWORD)
      const role = (await me(sessionHeaders(acc))).principal?.role
      expect({ reported: acc.json().principal?.role, held: role }).toEqual({
        reported: 'owner',
        held: 'owner',
      })
    }
    expect(re.status, JSON.stringify(re.body)).toBe(403)
    // The first link still works and says what it gives.
    const acc = await accept(first.token, PASSWORD)
    expect(acc.statusCode, acc.body).toBe(200)
    expect(acc.json().principal.role).toBe('owner')
  })

  it('an owner may re-invite with another role; the accept response reports the role actually held', async () => {
    const first = await invite(env, 'rene@example.com', 'owner')
    const re = await invite(env, 'rene@example.com', 'member')
    expect(re.status, JSON.stringify(re.body)).toBe(201)
    expect((await accept(first.token, PASSWORD)).statusCode).toBe(401) // superseded
    // Changed again before acceptance, through the member API.
    const patch = await env.app.inject({
      method: 'PATCH',
      url: `/api/v1/members/${re.userId}`,
      headers: env.auth(),
      payload: { role: 'auditor' },
    })
    expect(patch.statusCode, patch.body).toBe(200)
    const acc = await accept(re.token, PASSWORD)
    expect(acc.statusCode, acc.body).toBe(200)
    expect(acc.json().principal.role).toBe('auditor')
    expect((await me(sessionHeaders(acc))).principal.role).toBe('auditor')
  })

  it('setting a password ends every earlier session of the account', async () => {
    const inv = await invite(env, 'stale@example.com', 'member')
    // A session row for the not-yet-joined account (a leftover from any earlier path).
    const raw = 'stale-session-cookie-value-0123456789'
    await env.rt.db.db
      .insertInto('sessions')
      .values({
        id: sha256Hex(raw),
        user_id: inv.userId,
        token_id: null,
        org_id: env.orgId,
        csrf_hash: sha256Hex('csrf'),
        created_at: Date.now(),
        expires_at: Date.now() + 3_600_000,
      })
      .execute()
    expect((await accept(inv.token, PASSWORD)).statusCode).toBe(200)
    const old = await env.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { cookie: `lk_session=${raw}` },
    })
    expect(old.statusCode).toBe(401)
  })

  it('removing a member disables their personal keys: a re-invite reaches neither account nor keys', async () => {
    const xavier = await join(env, 'xavier@example.com', 'member')
    // Members' keys reach loopback only at origins an org admin allowed.
    await allowPrivateOrigins(env, upstream.url)
    const cred = await env.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: xavier.headers,
      payload: {
        name: 'xavier-key',
        provider: 'openai-compatible',
        baseUrl: upstream.url,
        apiKey: 'sk-xavier-personal-canary-000000000000',
        scope: 'personal',
      },
    })
    expect(cred.statusCode, cred.body).toBe(201)
    const credId = cred.json().id as string
    const removed = await env.app.inject({
      method: 'DELETE',
      url: `/api/v1/members/${xavier.userId}`,
      headers: env.auth('admin'),
    })
    expect(removed.statusCode).toBe(204)

    // The admin re-invites Xavier and accepts the link as Xavier.
    const re = await invite(env, 'xavier@example.com', 'member', { by: env.auth('admin') })
    expect(re.status).toBe(201)
    const acc = await accept(re.token, ATTACKER_PASSWORD)
    let stolen: Browser | undefined
    if (acc.statusCode === 200) stolen = { userId: xavier.userId, headers: sessionHeaders(acc) }
    if (stolen) {
      const tok = await createToken(env, stolen.headers, { name: 'loot' })
      await env.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: tok.headers,
        payload: { model: 'xavier-key/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
      })
    }
    expect(upstream.seen.filter((a) => a.includes('sk-xavier-personal-canary'))).toEqual([])
    expect(acc.statusCode, acc.body).toBe(401)

    // Xavier comes back for real: his old key stays disabled until an owner decides.
    const back = await accept(re.token, PASSWORD)
    expect(back.statusCode, back.body).toBe(200)
    const xh = sessionHeaders(back)
    const tok = await createToken(env, xh, { name: 'again' })
    const call = await env.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: tok.headers,
      payload: { model: 'xavier-key/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    })
    expect(call.statusCode, call.body).toBeGreaterThanOrEqual(400)
    expect(upstream.seen.filter((a) => a.includes('sk-xavier-personal-canary'))).toEqual([])
    const mine = (await env.app.inject({ method: 'GET', url: '/api/v1/credentials', headers: xh })).json()
      .data
    expect(mine.map((c: { id: string }) => c.id)).not.toContain(credId)

    // Owners see it, disabled, and decide: an admin may not hand it on, an owner may.
    const seen = await env.app.inject({
      method: 'GET',
      url: `/api/v1/credentials/${credId}`,
      headers: env.auth(),
    })
    expect(seen.json()).toMatchObject({ scope: 'personal', ownerUserId: xavier.userId, canUse: false })
    expect(seen.json().disabledAt).toEqual(expect.any(String))
    const heir = await join(env, 'heir@example.com', 'member')
    const byAdmin = await env.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${credId}/reassign`,
      headers: env.auth('admin'),
      payload: { userId: heir.userId },
    })
    expect(byAdmin.statusCode, byAdmin.body).toBe(403)
    const toOutsider = await env.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${credId}/reassign`,
      headers: env.auth(),
      payload: { userId: 'usr_nobody' },
    })
    expect(toOutsider.statusCode).toBe(400)
    const reassigned = await env.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${credId}/reassign`,
      headers: env.auth(),
      payload: { userId: heir.userId },
    })
    expect(reassigned.statusCode, reassigned.body).toBe(200)
    expect(reassigned.json()).toMatchObject({ ownerUserId: heir.userId, disabledAt: null })
    const heirTok = await createToken(env, heir.headers, { name: 'heir' })
    const used = await env.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: heirTok.headers,
      payload: { model: 'xavier-key/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    })
    expect(used.statusCode, used.body).toBe(200)
    // Xavier no longer reaches it; the owner can also delete it outright.
    const xs = (await env.app.inject({ method: 'GET', url: '/api/v1/credentials', headers: xh })).json().data
    expect(xs.map((c: { id: string }) => c.id)).not.toContain(credId)
    const del = await env.app.inject({
      method: 'DELETE',
      url: `/api/v1/credentials/${credId}`,
      headers: env.auth(),
    })
    expect(del.statusCode).toBe(204)
  })
})
