import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers.js'
import { createWfEnv, type RunJson, type WfEnv } from './wf-env.js'

const GATED = (notStarter: boolean) => `
name: gated
inputs: { text: string }
steps:
  - id: draft
    model: cheap/m
    prompt: "Draft a reply to {{ inputs.text }}"
    review: { role: member, message: "Check the draft", not_starter: ${notStarter} }
  - id: polish
    model: cheap/m
    prompt: "Polish {{ steps.draft.output }}"
`

interface Hook {
  url: string
  requests: { headers: http.IncomingHttpHeaders; body: string }[]
  reply: { status: number; body: string }
  close(): Promise<void>
}

async function startHook(): Promise<Hook> {
  const hook = { requests: [], reply: { status: 200, body: '{"ok":true,"id":"m1"}' } } as unknown as Hook
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      hook.requests.push({ headers: req.headers, body })
      res.writeHead(hook.reply.status, { 'content-type': 'application/json' }).end(hook.reply.body)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
  hook.close = () => new Promise((r) => server.close(() => r()))
  return hook
}

/** An admin's http-secret sealed for the hook's origin. */
async function hookSecret(env: WfEnv, hook: Hook, name: string, value: string): Promise<{ id: string }> {
  const made = await env.app.inject({
    method: 'POST',
    url: '/api/v1/credentials',
    headers: env.auth('admin'),
    payload: { name, provider: 'http-secret', apiKey: value, origins: [new URL(hook.url).origin] },
  })
  expect(made.statusCode, made.body).toBe(201)
  return made.json()
}

describe.each(DIALECTS)('reviews and tools (%s)', (dialect) => {
  let env: WfEnv
  let hook: Hook | undefined
  afterEach(async () => {
    await env?.close()
    await hook?.close()
    hook = undefined
  })

  it('parks at a review gate, lists it, resumes on approve and fails on reject; decisions audited', async () => {
    env = await createWfEnv(dialect)
    env.respond.fn = (_m, body) => `reply(${(body.messages as { content: string }[]).at(-1)!.content})`
    const wf = await env.save(GATED(false))
    const runId = await env.start(wf, { text: 'hi' })
    const parked = await env.wait(runId)
    expect(parked.status).toBe('waiting_review')
    expect(parked.waitingReview).toEqual({
      stepId: 'draft',
      role: 'member',
      message: 'Check the draft',
      notStarter: false,
    })
    expect(parked.steps.map((s: RunJson) => s.status)).toEqual(['waiting_review', 'pending'])
    expect(parked.steps[0].output).toBe('reply(Draft a reply to hi)')
    // Auditors read run metadata, never content.
    const audView = (
      await env.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}`, headers: env.auth('auditor') })
    ).json()
    expect(audView).toMatchObject({ status: 'waiting_review', contentVisible: false, output: null })
    expect(audView.steps[0].output).toBeUndefined()
    expect(audView.steps[0].usage).toEqual({ inputTokens: 10, outputTokens: 5 })
    expect(env.calls).toHaveLength(1)

    const queue = await env.app.inject({ method: 'GET', url: '/api/v1/reviews', headers: env.auth('admin') })
    expect(queue.json().data).toMatchObject([
      { runId, stepId: 'draft', workflowName: 'gated', canDecide: true },
    ])
    const auditor = await env.app.inject({
      method: 'POST',
      url: `/api/v1/runs/${runId}/review`,
      headers: env.auth('auditor'),
      payload: { decision: 'approve' },
    })
    expect(auditor.statusCode).toBe(403)

    const ok = await env.app.inject({
      method: 'POST',
      url: `/api/v1/runs/${runId}/review`,
      headers: env.auth('admin'),
      payload: { decision: 'approve', comment: 'fine' },
    })
    expect(ok.statusCode).toBe(200)
    const done = await env.wait(runId)
    expect(done.status).toBe('succeeded')
    expect(done.output).toBe('reply(Polish reply(Draft a reply to hi))')
    expect(done.steps[0].review).toMatchObject({ decision: 'approve', byName: 'test-admin', comment: 'fine' })
    const twice = await env.app.inject({
      method: 'POST',
      url: `/api/v1/runs/${runId}/review`,
      headers: env.auth('admin'),
      payload: { decision: 'approve' },
    })
    expect(twice.statusCode).toBe(409)

    const run2 = await env.start(wf, { text: 'no' })
    expect((await env.wait(run2)).status).toBe('waiting_review')
    const rej = await env.app.inject({
      method: 'POST',
      url: `/api/v1/runs/${run2}/review`,
      headers: env.auth('member'),
      payload: { decision: 'reject', comment: 'tone' },
    })
    expect(rej.json()).toMatchObject({ status: 'failed', error: 'step draft: rejected at review' })
    expect(rej.json().steps.map((s: RunJson) => s.status)).toEqual(['failed', 'cancelled'])
    expect(env.calls).toHaveLength(3)

    const audit = await env.rt.db.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', 'like', 'workflow.%')
      .execute()
    const actions = audit.map((a) => a.action)
    expect(actions).toEqual(
      expect.arrayContaining(['workflow.created', 'workflow.review_approved', 'workflow.review_rejected']),
    )
    // The comment is content: never in the audit log.
    expect(JSON.stringify(audit)).not.toContain('tone')
  })

  it('not_starter: the starter cannot approve their own run', async () => {
    env = await createWfEnv(dialect)
    const wf = await env.save(GATED(true))
    const runId = await env.start(wf, { text: 'x' }, 'admin')
    expect((await env.wait(runId)).status).toBe('waiting_review')
    // The queue tells the starter before they try (the Reviews page disables the buttons).
    const queue = async (role: 'admin' | 'member') =>
      (await env.app.inject({ method: 'GET', url: '/api/v1/reviews', headers: env.auth(role) })).json().data
    expect(await queue('admin')).toMatchObject([
      { runId, canDecide: false, notStarter: true, reason: expect.stringMatching(/starter may not approve/) },
    ])
    expect(await queue('member')).toMatchObject([{ runId, canDecide: true, reason: null }])
    const self = await env.app.inject({
      method: 'POST',
      url: `/api/v1/runs/${runId}/review`,
      headers: env.auth('admin'),
      payload: { decision: 'approve' },
    })
    expect(self.statusCode).toBe(403)
    expect(self.json().error.message).toMatch(/starter may not approve/)
    const other = await env.app.inject({
      method: 'POST',
      url: `/api/v1/runs/${runId}/review`,
      headers: env.auth('member'),
      payload: { decision: 'approve' },
    })
    expect(other.statusCode).toBe(200)
  })

  it('calls a tool with schema checks, a vault secret and an idempotency key; refuses SSRF', async () => {
    hook = await startHook()
    env = await createWfEnv(dialect)
    // The tool secret: an http-secret sealed for the hook's origin (an admin's, used by members).
    await hookSecret(env, hook, 'hook-token', 'Bearer-s3cret-canary')
    env.respond.fn = () => '{"summary":"s","score":4}'
    const recipe = (
      url: string,
      outSchema = '{ type: object, required: [ok], properties: { ok: { const: true } } }',
      headers = '{ authorization: "Bearer {{ secrets.hook-token }}" }',
    ) => `
name: tooly-${Math.random().toString(36).slice(2, 8)}
inputs: { text: string }
steps:
  - id: score
    model: cheap/m
    prompt: "{{ inputs.text }}"
    output: { schema: { type: object, required: [score], properties: { score: { type: number } } } }
  - id: notify
    tool: post-result
    with: { body: "{{ steps.score.output }}", note: "score={{ steps.score.output.score }}" }
tools:
  post-result:
    method: POST
    url: "${url}"
    headers: ${headers}
    input: { type: object, required: [body], properties: { body: { type: object, required: [score], properties: { score: { type: number } } } } }
    output: ${outSchema}
output: "{{ steps.notify.output }}"
`
    // Referencing a secret needs the manage right on it: the admin saves, a member runs.
    const wf = await env.save(recipe(hook.url), 'admin')
    const runId = await env.start(wf, { text: 't' })
    const run = await env.wait(runId)
    expect(run.status).toBe('succeeded')
    expect(run.output).toEqual({ ok: true, id: 'm1' })
    expect(hook.requests).toHaveLength(1)
    const req = hook.requests[0]!
    expect(req.headers.authorization).toBe('Bearer Bearer-s3cret-canary')
    expect(req.headers['idempotency-key']).toBe(`${runId}:notify`)
    expect(JSON.parse(req.body)).toEqual({ body: { summary: 's', score: 4 }, note: 'score=4' })
    expect(JSON.stringify(run)).not.toContain('s3cret-canary')
    // The use is audited with the secret, origin and run — never the value.
    const audit = await env.app.inject({
      method: 'GET',
      url: '/api/v1/audit?action=secret.used',
      headers: env.auth('auditor'),
    })
    expect(audit.json().data[0].details).toMatchObject({ name: 'hook-token', runId, stepId: 'notify' })
    expect(audit.body).not.toContain('s3cret-canary')

    // Response that does not match the output schema → step fails with the schema error.
    hook.reply = { status: 200, body: '{"ok":false}' }
    const bad = await env.wait(await env.start(wf, { text: 't' }))
    expect(bad.status).toBe('failed')
    expect(bad.error).toMatch(
      /^step notify: tool post-result: response does not match its output schema: \/ok must be equal to constant/,
    )

    // Request body that violates the input schema is never sent.
    env.respond.fn = () => '{"score":"high"}'
    const before = hook.requests.length
    const wf2 = await env.save(
      recipe(hook.url).replace('properties: { score: { type: number } }', 'properties: {}'),
      'admin',
    )
    const badIn = await env.wait(await env.start(wf2, { text: 't' }))
    expect(badIn.error).toMatch(/request does not match its input schema/)
    expect(hook.requests.length).toBe(before + 0)

    // SSRF: the cloud metadata address is refused by the egress guard whatever the policy.
    env.respond.fn = () => '{"score":1}'
    const wf3 = await env.save(recipe('http://169.254.169.254/latest/meta-data/', undefined, '{}'))
    const ssrf = await env.wait(await env.start(wf3, { text: 't' }))
    expect(ssrf.status).toBe('failed')
    expect(ssrf.error).toMatch(/^step notify: tool post-result: refused by egress policy/)
  })

  it('a tool secret gone by the time the run calls fails the step without sending', async () => {
    hook = await startHook()
    env = await createWfEnv(dialect)
    const made = await hookSecret(env, hook, 'gone', 'k-123')
    const wf = await env.save(
      `
name: nosecret
steps:
  - id: call
    tool: t
    with: { a: 1 }
tools:
  t: { url: "${hook.url}", headers: { x-key: "{{ secrets.gone }}" } }
`,
      'admin',
    )
    const revoked = await env.app.inject({
      method: 'DELETE',
      url: `/api/v1/credentials/${made.id}`,
      headers: env.auth('admin'),
    })
    expect(revoked.statusCode).toBe(204)
    const run = await env.wait(await env.start(wf, {}))
    expect(run.error).toMatch(/^step call: secret gone not found/)
    expect(hook.requests).toHaveLength(0)
  })

  it('compare runs skip review gates and tool steps (no waiting, no side effects)', async () => {
    hook = await startHook()
    env = await createWfEnv(dialect)
    env.respond.fn = (model) => (model.startsWith('smart/') ? '{"n":1,"extra":true}' : '{"n":2}')
    const wf = await env.save(`
name: cmp
steps:
  - id: gen
    model: cheap/m
    prompt: hi
    output: { schema: { type: object, required: [n] } }
    review: true
  - id: send
    tool: t
    with: { v: "{{ steps.gen.output }}" }
tools:
  t: { url: "${hook.url}" }
output: "{{ steps.gen.output }}"
`)
    const start = await env.app.inject({
      method: 'POST',
      url: `/api/v1/workflows/${wf}/compare`,
      headers: env.auth('member'),
      payload: { inputs: {}, models: ['cheap/a', 'anth/b', 'smart/c'] },
    })
    expect(start.statusCode).toBe(202)
    const report = (
      await env.app.inject({
        method: 'GET',
        url: `/api/v1/workflow-compares/${start.json().id}?wait=20`,
        headers: env.auth('member'),
      })
    ).json()
    expect(report.status).toBe('done')
    expect(
      report.columns.map((c: RunJson) => [c.model, c.status, c.sameShapeAsFirst, c.schemaValid]),
    ).toEqual([
      ['cheap/a', 'succeeded', true, true],
      ['anth/b', 'succeeded', true, true],
      ['smart/c', 'succeeded', false, true],
    ])
    expect(report.shapesEqual).toBe(false)
    expect(hook.requests).toHaveLength(0)
    const other = await env.app.inject({
      method: 'GET',
      url: `/api/v1/workflow-compares/${start.json().id}`,
      headers: env.auth('auditor'),
    })
    expect(other.statusCode).toBe(200)
    expect(other.json().columns[0].output).toBeNull()
    expect(other.json().columns.map((c: RunJson) => c.sameShapeAsFirst)).toEqual([true, true, false])
  })
})
