/**
 * Attack (issue 15, path 5): workflows ignored workspaces. The workspace role fell back to the
 * org role, so a member of workspace V could list workspace W's workflows, read their recipes,
 * save new versions, delete them, start runs, read run outputs, cancel runs and approve the
 * reviews of W's runs — from the API and through `latchkey run`, which saved its recipe over
 * W's workflow of the same name.
 *
 * The rule now: workspace-scoped workflows, runs and reviews are reachable only by members of
 * that workspace and by org owners/admins (org auditors read metadata); everyone else gets 404
 * (existence is not revealed). Inside the workspace, run content (output, step outputs, review
 * comments) is shown to the run's starter, to those the review gate entitles, and to
 * workspace/org admins; cancelling is for the starter and admins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { runCommand } from '../../src/cli/commands/run.js'
import { DIALECTS } from '../helpers.js'
import { createE2eEnv, type E2eEnv } from '../workflows/e2e-env.js'
import { type Browser, createToken, createWorkspace, type Headers, join, setWorkspaceRole } from './security-helpers.js'

const CANARY = 'CANARY-RUN-OUTPUT-7f3a'

const RECIPE = `
name: team-w-reply
inputs: { text: string }
steps:
  - id: draft
    model: oa/gpt-4o-mini
    prompt: "Draft a reply: {{ inputs.text }}"
    review: { role: admin, message: "check before it goes out" }
output: "{{ steps.draft.output }}"
`

describe.each(DIALECTS)('workflows respect workspaces (%s)', (dialect) => {
  let env: E2eEnv
  let wsW: string
  let wsV: string
  let alice: Browser // member of W: owns the workflow, starts the run
  let carol: Browser // member of W: a colleague
  let wAdmin: Browser // org member, admin of W
  let bob: Browser // member of V only: the attacker
  let wfId: string
  let runId: string

  // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON
  async function call(method: string, url: string, headers: Headers, payload?: object): Promise<{ status: number; json: any; body: string }> {
    const r = await env.app.inject({
      method: method as 'GET',
      url,
      headers,
      ...(payload ? { payload } : {}),
    })
    return { status: r.statusCode, json: r.body ? r.json() : null, body: r.body }
  }

  beforeAll(async () => {
    env = await createE2eEnv(dialect)
    env.openai.words = [CANARY]
    wsW = await createWorkspace(env, 'Team W')
    wsV = await createWorkspace(env, 'Team V')
    alice = await join(env, 'alice@example.com', 'member', { workspaceId: wsW })
    carol = await join(env, 'carol@example.com', 'member', { workspaceId: wsW })
    wAdmin = await join(env, 'w-admin@example.com', 'member', { workspaceId: wsW })
    await setWorkspaceRole(env, wsW, wAdmin.userId, 'admin')
    bob = await join(env, 'bob@example.com', 'member', { workspaceId: wsV })

    const saved = await call('POST', '/api/v1/workflows', alice.headers, { yaml: RECIPE })
    expect(saved.status, saved.body).toBe(201)
    expect(saved.json.workspaceId).toBe(wsW)
    wfId = saved.json.id
    const started = await call('POST', `/api/v1/workflows/${wfId}/runs`, alice.headers, {
      inputs: { text: 'customer complaint' },
    })
    expect(started.status, started.body).toBe(202)
    runId = started.json.id
    const parked = await call('GET', `/api/v1/runs/${runId}?wait=20`, alice.headers)
    expect(parked.json.status).toBe('waiting_review')
    expect(JSON.stringify(parked.json)).toContain(CANARY)
  }, 60_000)
  afterAll(async () => {
    await env?.close()
  })

  it('an outsider does not see the workspace’s workflows, runs or reviews', async () => {
    const list = await call('GET', '/api/v1/workflows', bob.headers)
    expect(list.status).toBe(200)
    expect(list.json.data.map((w: { id: string }) => w.id)).not.toContain(wfId)
    expect((await call('GET', `/api/v1/workflows?name=team-w-reply`, bob.headers)).json.data).toEqual([])
    expect((await call('GET', `/api/v1/workflows/${wfId}`, bob.headers)).status).toBe(404)
    expect((await call('GET', `/api/v1/workflows/${wfId}/runs`, bob.headers)).status).toBe(404)
    const run = await call('GET', `/api/v1/runs/${runId}`, bob.headers)
    expect(run.status).toBe(404)
    expect(run.body).not.toContain(CANARY)
    const reviews = await call('GET', '/api/v1/reviews', bob.headers)
    expect(reviews.json.data.map((r: { runId: string }) => r.runId)).not.toContain(runId)
  })

  it('an outsider cannot change, delete, run, cancel, approve or compare', async () => {
    const put = await call('PUT', `/api/v1/workflows/${wfId}`, bob.headers, {
      yaml: RECIPE.replace('Draft a reply', 'Send everything to me'),
    })
    expect(put.status).toBe(404)
    expect((await call('POST', `/api/v1/workflows/${wfId}/runs`, bob.headers, { inputs: { text: 'x' } })).status).toBe(404)
    expect(
      (await call('POST', `/api/v1/workflows/${wfId}/compare`, bob.headers, { inputs: { text: 'x' }, models: ['oa/a', 'oa/b'] }))
        .status,
    ).toBe(404)
    expect((await call('POST', `/api/v1/runs/${runId}/review`, bob.headers, { decision: 'approve' })).status).toBe(404)
    expect((await call('POST', `/api/v1/runs/${runId}/cancel`, bob.headers)).status).toBe(404)
    expect((await call('DELETE', `/api/v1/workflows/${wfId}`, bob.headers)).status).toBe(404)
    // Nothing changed: same version, still waiting for its review.
    const wf = await call('GET', `/api/v1/workflows/${wfId}`, alice.headers)
    expect(wf.json.version).toBe(1)
    expect((await call('GET', `/api/v1/runs/${runId}`, alice.headers)).json.status).toBe('waiting_review')
  })

  it('an outsider cannot save into the workspace, nor mint a token for it', async () => {
    const other = RECIPE.replace('team-w-reply', 'planted')
    const r = await call('POST', '/api/v1/workflows', bob.headers, { yaml: other, workspaceId: wsW })
    expect(r.status).toBe(404)
    const tok = await createToken(env, bob.headers, { name: 'into-w', workspaceId: wsW })
    expect(tok.status).toBe(403)
  })

  it('`latchkey run` of a recipe with the same name saves the outsider’s own workflow, not a version of W’s', async () => {
    const tok = await createToken(env, bob.headers, { name: 'bob-cli', workspaceId: wsV })
    expect(tok.status).toBe(201)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-ws-'))
    const file = path.join(dir, 'r.yaml')
    fs.writeFileSync(file, RECIPE.replace('    review: { role: admin, message: "check before it goes out" }\n', ''))
    const input = path.join(dir, 'in.json')
    fs.writeFileSync(input, '{"text":"hi"}')
    const err = new PassThrough()
    err.resume()
    const out: string[] = []
    const code = await runCommand(
      file,
      { input },
      {
        stdout: { write: (s: string) => out.push(s) },
        stderr: err,
        env: { LATCHKEY_URL: env.url, LATCHKEY_TOKEN: String(tok.body.token) },
      },
    )
    expect(code).toBe(0)
    // W's workflow is untouched; bob's lives in V.
    expect((await call('GET', `/api/v1/workflows/${wfId}`, alice.headers)).json.version).toBe(1)
    const mine = await call('GET', '/api/v1/workflows?name=team-w-reply', bob.headers)
    expect(mine.json.data).toHaveLength(1)
    expect(mine.json.data[0].id).not.toBe(wfId)
    expect(mine.json.data[0].workspaceId).toBe(wsV)
  })

  it('inside the workspace, run content is for the starter, the gate’s reviewers and admins', async () => {
    // carol is a member of W, but the gate asks for an admin: metadata only.
    const asCarol = await call('GET', `/api/v1/runs/${runId}`, carol.headers)
    expect(asCarol.status).toBe(200)
    expect(asCarol.json.contentVisible).toBe(false)
    expect(asCarol.body).not.toContain(CANARY)
    const carolList = await call('GET', `/api/v1/workflows/${wfId}/runs`, carol.headers)
    expect(carolList.status).toBe(200)
    expect(carolList.body).not.toContain(CANARY)
    // Colleagues may not cancel someone else's run, nor approve a gate above their role.
    expect((await call('POST', `/api/v1/runs/${runId}/cancel`, carol.headers)).status).toBe(403)
    expect((await call('POST', `/api/v1/runs/${runId}/review`, carol.headers, { decision: 'approve' })).status).toBe(403)
    // The workspace admin and the org auditor: the admin sees content, the auditor metadata.
    const asAdmin = await call('GET', `/api/v1/runs/${runId}`, wAdmin.headers)
    expect(asAdmin.json.contentVisible).toBe(true)
    expect(asAdmin.body).toContain(CANARY)
    const asAuditor = await call('GET', `/api/v1/runs/${runId}`, env.auth('auditor'))
    expect(asAuditor.status).toBe(200)
    expect(asAuditor.body).not.toContain(CANARY)
    // The review queue shows the run to W's members, decidable by the admin only.
    const q = await call('GET', '/api/v1/reviews', carol.headers)
    expect(q.json.data.find((r: { runId: string }) => r.runId === runId)?.canDecide).toBe(false)
    const qa = await call('GET', '/api/v1/reviews', wAdmin.headers)
    expect(qa.json.data.find((r: { runId: string }) => r.runId === runId)?.canDecide).toBe(true)
    const ok = await call('POST', `/api/v1/runs/${runId}/review`, wAdmin.headers, { decision: 'approve' })
    expect(ok.status, ok.body).toBe(200)
    const done = await call('GET', `/api/v1/runs/${runId}?wait=20`, alice.headers)
    expect(done.json.status).toBe('succeeded')
    expect(done.json.output).toContain(CANARY)
  })

  it('org admins reach every workspace’s workflows', async () => {
    const list = await call('GET', '/api/v1/workflows', env.auth('admin'))
    expect(list.json.data.map((w: { id: string }) => w.id)).toContain(wfId)
    const run = await call('GET', `/api/v1/runs/${runId}`, env.auth('admin'))
    expect(run.status).toBe(200)
    expect(run.json.contentVisible).toBe(true)
  })
})
