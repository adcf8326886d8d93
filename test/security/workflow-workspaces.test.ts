/**
 * Issue 15, path 5 — workflows ignore workspaces. Workspace roles fall back to the org role,
 * so before the fix a member of the org who is *not* in workspace W could list W's workflows,
 * read their recipes, save new versions, delete them, start runs, read run outputs, cancel
 * runs and approve reviews. And any member of W could read the content (inputs echoed into
 * outputs, step outputs) of everyone else's runs. Played end to end through the real API.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { insertToken } from '../../src/identity/tokens-repo.js'
import { DIALECTS } from '../helpers.js'
import { addUser, canaryKey } from '../vault/vault-helpers.js'
import { createE2eEnv, type E2eEnv } from '../workflows/e2e-env.js'
import { type Attacker, startAttacker } from './attacker.js'
import { allowPrivateOrigins, createWorkspace } from './security-helpers.js'

type Headers = { authorization: string }

describe.each(DIALECTS)('workflows respect workspaces (%s)', (dialect) => {
  let env: E2eEnv
  let tool: Attacker
  afterEach(async () => {
    await env?.close()
    await tool?.close()
  })

  async function call(h: Headers, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
    const r = await env.app.inject({ method, url, headers: h, ...(payload ? { payload } : {}) })
    return { status: r.statusCode, body: r.body, json: () => r.json() }
  }

  /** A token with role `role` for a user (workspace roles are capped by the token's role). */
  async function tokenFor(userId: string, workspaceId: string, role: 'admin' | 'member'): Promise<Headers> {
    const { raw } = await insertToken(env.rt.db.db, {
      orgId: env.orgId,
      workspaceId,
      userId,
      name: `t-${role}`,
      role,
      createdBy: userId,
    })
    return { authorization: `Bearer ${raw}` }
  }

  it('a member outside the workspace reaches none of its workflows, runs or reviews', async () => {
    env = await createE2eEnv(dialect)
    const stepCanary = canaryKey('step-output')
    tool = await startAttacker({ echo: stepCanary })
    // Members' recipes reach the loopback tool only because an org admin allowed its origin.
    await allowPrivateOrigins(env, tool.origin)
    const w = await createWorkspace(env, 'research')
    const insider = await addUser(env, 'member', { workspaceId: w })
    const outsider = await addUser(env, 'member') // in the default workspace only
    const doc = canaryKey('doc')

    const yaml = `name: plan\ninputs:\n  doc: { type: string }\nsteps:\n  - id: note\n    tool: store\n    with: { doc: "{{ inputs.doc }}" }\n    review: true\noutput:\n  doc: "{{ inputs.doc }}"\n  note: "{{ steps.note.output }}"\ntools:\n  store: { method: POST, url: "${tool.origin}/in" }\n`
    const saved = await call(insider.headers, 'POST', '/api/v1/workflows', { yaml })
    expect(saved.status, saved.body).toBe(201)
    expect(saved.json().workspaceId).toBe(w)
    const wf = saved.json().id as string
    const started = await call(insider.headers, 'POST', `/api/v1/workflows/${wf}/runs`, { inputs: { doc } })
    expect(started.status, started.body).toBe(202)
    const runId = started.json().id as string
    const parked = await call(insider.headers, 'GET', `/api/v1/runs/${runId}?wait=20`)
    expect(parked.json().status).toBe('waiting_review')

    // A side-by-side compare of another recipe of the workspace, on an org key.
    const orgKey = await call(env.auth('admin'), 'POST', '/api/v1/credentials', {
      name: 'oaorg',
      provider: 'openai',
      apiKey: canaryKey('sk-org'),
      baseUrl: env.openai.baseUrl,
      scope: 'org',
    })
    expect(orgKey.status, orgKey.body).toBe(201)
    const cmpYaml = `name: ask\ninputs:\n  doc: { type: string }\nsteps:\n  - id: a\n    model: oaorg/gpt-4o-mini\n    prompt: "{{ inputs.doc }}"\n`
    const cmpWf = (await call(insider.headers, 'POST', '/api/v1/workflows', { yaml: cmpYaml })).json().id
    const cmp = await call(insider.headers, 'POST', `/api/v1/workflows/${cmpWf}/compare`, {
      inputs: { doc },
      models: ['oaorg/gpt-4o-mini', 'oaorg/gpt-4.1-mini'],
    })
    expect(cmp.status, cmp.body).toBe(202)

    // Every workflow, run and review route, as the outsider.
    const o = outsider.headers
    const leaks: string[] = []
    const probe = async (label: string, r: { status: number; body: string }, ok: (s: number) => boolean) => {
      if (!ok(r.status) || r.body.includes(doc) || r.body.includes(stepCanary) || r.body.includes(wf))
        leaks.push(`${label}: ${r.status} ${r.body.slice(0, 120)}`)
    }
    const is404 = (s: number) => s === 404
    await probe('list', await call(o, 'GET', '/api/v1/workflows'), (s) => s === 200)
    await probe('list by name', await call(o, 'GET', '/api/v1/workflows?name=plan'), (s) => s === 200)
    await probe('get', await call(o, 'GET', `/api/v1/workflows/${wf}`), is404)
    await probe('get version', await call(o, 'GET', `/api/v1/workflows/${wf}?version=1`), is404)
    await probe('new version', await call(o, 'PUT', `/api/v1/workflows/${wf}`, { yaml }), is404)
    await probe(
      'start',
      await call(o, 'POST', `/api/v1/workflows/${wf}/runs`, { inputs: { doc: 'x' } }),
      is404,
    )
    await probe('runs', await call(o, 'GET', `/api/v1/workflows/${wf}/runs`), is404)
    await probe('run', await call(o, 'GET', `/api/v1/runs/${runId}`), is404)
    await probe('reviews', await call(o, 'GET', '/api/v1/reviews'), (s) => s === 200)
    await probe(
      'compare',
      await call(o, 'POST', `/api/v1/workflows/${wf}/compare`, { models: ['a/b', 'c/d'] }),
      is404,
    )
    await probe(
      'save into the workspace',
      await call(o, 'POST', '/api/v1/workflows', { yaml: yaml.replace('plan', 'plan2'), workspaceId: w }),
      (s) => s === 400,
    )
    await probe(
      'review',
      await call(o, 'POST', `/api/v1/runs/${runId}/review`, { decision: 'approve' }),
      is404,
    )
    await probe('cancel', await call(o, 'POST', `/api/v1/runs/${runId}/cancel`), is404)
    await probe('delete', await call(o, 'DELETE', `/api/v1/workflows/${wf}`), is404)
    await probe('compare report', await call(o, 'GET', `/api/v1/workflow-compares/${cmp.json().id}`), is404)
    expect(leaks).toEqual([])

    // Nothing the outsider tried changed anything.
    const after = await call(insider.headers, 'GET', `/api/v1/runs/${runId}`)
    expect(after.json().status).toBe('waiting_review')
    expect((await call(insider.headers, 'GET', `/api/v1/workflows/${wf}`)).json().version).toBe(1)
    expect(tool.requests).toHaveLength(1)
  })

  it('run content is for its starter, the reviewers its gate entitles, and admins', async () => {
    env = await createE2eEnv(dialect)
    const stepCanary = canaryKey('step-output')
    tool = await startAttacker({ echo: stepCanary })
    // Members' recipes reach the loopback tool only because an org admin allowed its origin.
    await allowPrivateOrigins(env, tool.origin)
    const w = await createWorkspace(env, 'research')
    const starter = await addUser(env, 'member', { workspaceId: w })
    const peer = await addUser(env, 'member', { workspaceId: w })
    const wsAdminUser = await addUser(env, 'member', { workspaceId: w, workspaceRole: 'admin' })
    const wsAdmin = await tokenFor(wsAdminUser.userId, w, 'admin')
    const doc = canaryKey('doc')

    const yaml = `name: plan\ninputs:\n  doc: { type: string }\nsteps:\n  - id: note\n    tool: store\n    with: { doc: "{{ inputs.doc }}" }\n    review: { role: admin }\noutput:\n  doc: "{{ inputs.doc }}"\ntools:\n  store: { method: POST, url: "${tool.origin}/in" }\n`
    const saved = await call(starter.headers, 'POST', '/api/v1/workflows', { yaml })
    expect(saved.status, saved.body).toBe(201)
    const wf = saved.json().id as string
    const started = await call(starter.headers, 'POST', `/api/v1/workflows/${wf}/runs`, { inputs: { doc } })
    const runId = started.json().id as string
    expect((await call(starter.headers, 'GET', `/api/v1/runs/${runId}?wait=20`)).json().status).toBe(
      'waiting_review',
    )

    // The peer (same workspace, not entitled by an admin gate) sees the run, not its content.
    const peerView = await call(peer.headers, 'GET', `/api/v1/runs/${runId}`)
    expect(peerView.status).toBe(200)
    expect(peerView.json().contentVisible).toBe(false)
    expect(peerView.body).not.toContain(stepCanary)
    const peerList = await call(peer.headers, 'GET', `/api/v1/workflows/${wf}/runs`)
    expect(peerList.status).toBe(200)
    expect(peerList.body).not.toContain(stepCanary)
    // …nor may the peer cancel someone else's run.
    const peerCancel = await call(peer.headers, 'POST', `/api/v1/runs/${runId}/cancel`)
    expect(peerCancel.status, peerCancel.body).toBe(403)

    // The workspace admin is the gate's reviewer: they see what they approve.
    const adminView = await call(wsAdmin, 'GET', `/api/v1/runs/${runId}`)
    expect(adminView.json().contentVisible).toBe(true)
    expect(adminView.body).toContain(stepCanary)
    const approved = await call(wsAdmin, 'POST', `/api/v1/runs/${runId}/review`, { decision: 'approve' })
    expect(approved.status, approved.body).toBe(200)
    const done = await call(starter.headers, 'GET', `/api/v1/runs/${runId}?wait=20`)
    expect(done.json().status).toBe('succeeded')
    expect(done.json().output).toEqual({ doc })

    // Finished: the peer still sees metadata only; the starter and admins see the output.
    const peerDone = await call(peer.headers, 'GET', `/api/v1/runs/${runId}`)
    expect(peerDone.json().status).toBe('succeeded')
    expect(peerDone.body).not.toContain(doc)
    expect(peerDone.body).not.toContain(stepCanary)
    expect((await call(env.auth('admin'), 'GET', `/api/v1/runs/${runId}`)).body).toContain(doc)
  })

  it('a starter removed from the workspace does not resume their parked run with its rights', async () => {
    env = await createE2eEnv(dialect)
    tool = await startAttacker({ ok: true })
    // Members' recipes reach the loopback tool only because an org admin allowed its origin.
    await allowPrivateOrigins(env, tool.origin)
    const w = await createWorkspace(env, 'research')
    const starter = await addUser(env, 'member', { workspaceId: w })
    const yaml = `name: later\nsteps:\n  - id: gate\n    review: { role: admin }\n  - id: call\n    tool: store\n    with: { note: hi }\ntools:\n  store: { method: POST, url: "${tool.origin}/in" }\n`
    const saved = await call(starter.headers, 'POST', '/api/v1/workflows', { yaml })
    expect(saved.status, saved.body).toBe(201)
    const started = await call(starter.headers, 'POST', `/api/v1/workflows/${saved.json().id}/runs`, {})
    const runId = started.json().id as string
    expect((await call(starter.headers, 'GET', `/api/v1/runs/${runId}?wait=20`)).json().status).toBe(
      'waiting_review',
    )

    // The starter leaves the workspace while the run waits; an admin approves later.
    const removed = await call(
      env.auth('owner'),
      'DELETE',
      `/api/v1/workspaces/${w}/members/${starter.userId}`,
    )
    expect(removed.status, removed.body).toBe(204)
    const approved = await call(env.auth('admin'), 'POST', `/api/v1/runs/${runId}/review`, {
      decision: 'approve',
    })
    expect(approved.status, approved.body).toBe(200)
    const done = await call(env.auth('admin'), 'GET', `/api/v1/runs/${runId}?wait=20`)
    expect(done.json().status).toBe('failed')
    expect(done.json().error).toMatch(/no longer a member of the run's workspace/)
    expect(tool.requests).toHaveLength(0)
  })
})
