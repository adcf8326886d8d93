/**
 * Issue 15, path 9 — egress policy bypass. Before the fix `POST /credentials/:id/test` used the
 * environment's egress policy, not the org's tightened one, and anyone who may add a
 * credential (any member, for a personal one) could aim it at loopback or a private network
 * and have the server call it (SSRF into the internal network, the key test and the gateway
 * as the vehicle). Every outbound call now goes through the org's effective policy, and a
 * credential only an org admin vouched for reaches loopback/private addresses unless its
 * origin is on the org's `privateOrigins` list. The recording attacker stands in for an
 * internal service on loopback.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Resolver } from '../../src/egress/dispatcher.js'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'
import { addUser, canaryKey, createCredential } from '../vault/vault-helpers.js'
import { type Attacker, startAttacker } from './attacker.js'
import { runWorkflow } from './security-helpers.js'

type Headers = { authorization: string }

describe.each(DIALECTS)('egress policy bypass (%s)', (dialect) => {
  let env: TestEnv
  let attacker: Attacker
  afterEach(async () => {
    await env?.close()
    await attacker?.close()
  })

  /** Test DNS: `internal.attacker.test` names the attacker's loopback address. */
  const resolver: Resolver = async (host) =>
    host === 'internal.attacker.test' ? [{ address: '127.0.0.1', family: 4 }] : []

  async function start() {
    attacker = await startAttacker()
    env = await createTestEnv(dialect, { setup: (rt) => rt.gateway.egress.useResolver(resolver) })
  }

  const port = () => new URL(attacker.origin).port

  async function settings(h: Headers, payload: Record<string, unknown>) {
    return env.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers: h, payload })
  }

  async function keyTest(h: Headers, id: string) {
    return env.app.inject({ method: 'POST', url: `/api/v1/credentials/${id}/test`, headers: h })
  }

  async function chat(h: Headers, model: string) {
    return env.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: h,
      payload: { model, messages: [{ role: 'user', content: 'hi' }] },
    })
  }

  async function models(h: Headers) {
    return env.app.inject({ method: 'GET', url: '/v1/models', headers: h })
  }

  it("the key test, the gateway and model listing obey the org's tightened policy, not just the environment's", async () => {
    await start()
    const key = canaryKey()
    const c = await createCredential(env, env.auth('admin'), {
      name: 'local',
      provider: 'openai-compatible',
      apiKey: key,
      baseUrl: `${attacker.origin}/v1`,
    })
    expect(c.status, c.body).toBe(201)
    // The owner tightens the org to public-only (the environment stays open).
    expect((await settings(env.auth('owner'), { egress: 'public-only' })).statusCode).toBe(200)

    const t = await keyTest(env.auth('admin'), c.json.id)
    expect(t.statusCode).toBe(200)
    expect(t.json()).toMatchObject({ ok: false })
    expect(t.json().message).toMatch(/public-only refuses loopback/)
    expect((await chat(env.auth('admin'), 'local/gpt-4o-mini')).json().error.code).toBe('egress_blocked')
    expect((await models(env.auth('admin'))).statusCode).toBe(200)
    expect(attacker.requests).toHaveLength(0)

    // Saving checks the org's policy too.
    const again = await createCredential(env, env.auth('admin'), {
      name: 'local2',
      provider: 'openai-compatible',
      apiKey: canaryKey(),
      baseUrl: `${attacker.origin}/v2`,
    })
    expect(again.status, again.body).toBe(400)
    expect(again.json.error.message).toMatch(/public-only refuses loopback/)
  })

  it('a member cannot aim a credential at loopback or a private network unless an admin allowed that origin', async () => {
    await start()
    const member = await addUser(env, 'member')
    const key = canaryKey()

    // An address literal is judged when the credential is saved…
    const literal = await createCredential(env, member.headers, {
      name: 'mine',
      provider: 'openai-compatible',
      scope: 'personal',
      apiKey: key,
      baseUrl: `${attacker.origin}/v1`,
    })
    expect(literal.status, literal.body).toBe(400)
    expect(literal.json.error).toMatchObject({ code: 'private_origin_not_allowed', param: 'baseUrl' })
    expect(literal.json.error.message).toMatch(/privateOrigins/)

    // …a host name on each resolved address when anything connects: the key test, the gateway
    // and model discovery all refuse, and nothing reaches the internal service.
    const named = await createCredential(env, member.headers, {
      name: 'named',
      provider: 'openai-compatible',
      scope: 'personal',
      apiKey: key,
      baseUrl: `http://internal.attacker.test:${port()}/v1`,
    })
    expect(named.status, named.body).toBe(201)
    const t = await keyTest(member.headers, named.json.id)
    expect(t.json()).toMatchObject({ ok: false })
    expect(t.json().message).toMatch(/not on the org's privateOrigins/)
    const call = await chat(member.headers, 'named/gpt-4o-mini')
    expect(call.statusCode).toBe(502)
    expect(call.json().error.code).toBe('egress_blocked')
    await models(member.headers)
    const an = await createCredential(env, member.headers, {
      name: 'an',
      provider: 'anthropic',
      scope: 'personal',
      apiKey: canaryKey('sk-ant'),
      baseUrl: `http://internal.attacker.test:${port()}`,
    })
    expect(an.status, an.body).toBe(201)
    const count = await env.app.inject({
      method: 'POST',
      url: '/v1/messages/count_tokens',
      headers: member.headers,
      payload: { model: 'an/claude-x', messages: [{ role: 'user', content: 'hi' }] },
    })
    expect(count.statusCode).toBeGreaterThanOrEqual(400)
    // Updating counts like creating: moving a credential onto a loopback literal is refused.
    const moved = await env.app.inject({
      method: 'PATCH',
      url: `/api/v1/credentials/${named.json.id}`,
      headers: member.headers,
      payload: { baseUrl: `${attacker.origin}/v1`, apiKey: key },
    })
    expect(moved.statusCode, moved.body).toBe(400)
    expect(moved.json().error.code).toBe('private_origin_not_allowed')
    expect(attacker.requests).toHaveLength(0)

    // A member cannot put the origin on the list themselves.
    const self = await settings(member.headers, { privateOrigins: [attacker.origin] })
    expect(self.statusCode).toBe(403)

    // An org admin allows the origin: now the member's credential may reach it.
    const allowed = await settings(env.auth('admin'), {
      privateOrigins: [`http://internal.attacker.test:${port()}`],
    })
    expect(allowed.statusCode, allowed.body).toBe(200)
    expect(allowed.json().privateOrigins).toEqual([`http://internal.attacker.test:${port()}`])
    expect((await keyTest(member.headers, named.json.id)).json()).toMatchObject({ ok: true })
    expect(attacker.requests).toHaveLength(1)

    // An org admin's own credential is vouched for by its creator.
    const admins = await createCredential(env, env.auth('admin'), {
      name: 'admins',
      provider: 'openai-compatible',
      apiKey: canaryKey(),
      baseUrl: `${attacker.origin}/v1`,
    })
    expect(admins.status, admins.body).toBe(201)
    expect((await keyTest(env.auth('admin'), admins.json.id)).json()).toMatchObject({ ok: true })
  })

  it("a member's recipe cannot call a loopback or private address from a tool unless an admin allowed that origin", async () => {
    await start()
    const member = await addUser(env, 'member')
    const recipe = (name: string) =>
      `name: ${name}\nsteps:\n  - id: call\n    tool: probe\n    with: { q: 1 }\ntools:\n  probe: { method: POST, url: "${attacker.origin}/internal/admin" }\n`
    const save = (h: Headers, yaml: string) =>
      env.app.inject({ method: 'POST', url: '/api/v1/workflows', headers: h, payload: { yaml } })

    // The member chose the URL: the tool call is refused before anything is sent.
    const mine = await save(member.headers, recipe('probe'))
    expect(mine.statusCode, mine.body).toBe(201)
    const r = await runWorkflow(env, member.headers, mine.json().id)
    expect(r.status).toBe('failed')
    expect(r.error).toMatch(/privateOrigins/)
    expect(attacker.requests).toHaveLength(0)

    // An org admin's recipe (the admin chose the URL) runs for the member.
    const admins = await save(env.auth('admin'), recipe('probe-admin'))
    expect(admins.statusCode, admins.body).toBe(201)
    const ok = await runWorkflow(env, member.headers, admins.json().id)
    expect(ok.status, ok.error).toBe('succeeded')
    expect(attacker.requests).toHaveLength(1)
  })
})
