import { afterEach, describe, expect, it } from 'vitest'
import { createOrg, createWorkspace } from '../../src/identity/orgs.js'
import { insertToken } from '../../src/identity/tokens-repo.js'
import { workflowTuning } from '../../src/workflows/setup.js'
import { DIALECTS } from '../helpers.js'
import { upstreamDown } from './fake-invoke.js'
import { createWfEnv, type RunJson, type WfEnv } from './wf-env.js'

const SCORE_SCHEMA = `{ type: object, required: [summary, score], properties: { summary: { type: string }, score: { type: number } } }`

const TWO_STEPS = `
name: summarize-and-score
inputs: { text: string }
steps:
  - id: summary
    model: cheap/gpt-4o-mini
    prompt: "Summarize: {{ inputs.text }}"
    params: { temperature: 0.2, max_tokens: 200 }
  - id: score
    model: anth/claude-sonnet-4-5
    system: "You are a strict grader."
    prompt: "Score this summary as JSON: {{ steps.summary.output }}"
    output: { schema: ${SCORE_SCHEMA} }
output: "{{ steps.score.output }}"
`

describe.each(DIALECTS)('workflow engine (%s)', (dialect) => {
  let env: WfEnv
  afterEach(async () => {
    await env?.close()
  })

  it('runs two steps on two providers with a typed output and per-step cost', async () => {
    env = await createWfEnv(dialect)
    env.respond.fn = (model) =>
      model.startsWith('cheap/') ? 'short summary' : '{"summary":"short summary","score":8}'
    const wf = await env.save(TWO_STEPS)
    const runId = await env.start(wf, { text: 'long text' })
    const run = await env.wait(runId)
    expect(run.status).toBe('succeeded')
    expect(run.output).toEqual({ summary: 'short summary', score: 8 })
    expect(run.steps.map((s: RunJson) => [s.id, s.model, s.status, s.provider])).toEqual([
      ['summary', 'cheap/gpt-4o-mini', 'succeeded', 'openai'],
      ['score', 'anth/claude-sonnet-4-5', 'succeeded', 'anthropic'],
    ])
    expect(run.steps[0]).toMatchObject({
      usage: { inputTokens: 10, outputTokens: 5 },
      costUsd: 0.001,
      latencyMs: 3,
    })
    expect(run.costUsd).toBeCloseTo(0.002)
    // Step 1's request: parameters passed, prompt rendered; step 2 asks for native JSON schema.
    expect(env.calls[0]!.body).toMatchObject({
      temperature: 0.2,
      max_tokens: 200,
      messages: [{ role: 'user', content: 'Summarize: long text' }],
    })
    expect(env.calls[1]!.body.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'score_output' },
    })
    expect(env.calls[1]!.body.messages).toEqual([
      { role: 'system', content: 'You are a strict grader.' },
      { role: 'user', content: 'Score this summary as JSON: short summary' },
    ])
    // The gateway sees run/step/workflow ids and the starter's principal.
    expect(env.calls[1]!.ctx).toMatchObject({ runId, stepId: 'score', workflowId: wf })
    expect(env.calls[1]!.ctx.principal.name).toBe('test-member')
    const metrics = await env.app.inject({ method: 'GET', url: '/metrics', headers: env.auth('auditor') })
    expect(metrics.body).toContain('latchkey_workflow_runs_total{status="succeeded"} 1')
    expect(metrics.body).toContain('latchkey_workflow_steps_total{kind="model",status="succeeded"} 2')
  })

  it('repairs a non-conforming JSON reply once, then fails with the schema error', async () => {
    env = await createWfEnv(dialect)
    let n = 0
    env.respond.fn = (model) => {
      if (model.startsWith('cheap/')) return 'sum'
      n++
      return n === 1 ? '{"summary":"sum"}' : '```json\n{"summary":"sum","score":3}\n```'
    }
    const wf = await env.save(TWO_STEPS)
    const ok = await env.wait(await env.start(wf, { text: 't' }))
    expect(ok.status).toBe('succeeded')
    expect(ok.output).toEqual({ summary: 'sum', score: 3 })
    const repair = env.calls[2]!.body.messages as { role: string; content: string }[]
    expect(repair.at(-1)!.content).toMatch(/must have required property 'score'/)
    expect(ok.steps[1].usage).toEqual({ inputTokens: 20, outputTokens: 10 })

    env.respond.fn = (model) => (model.startsWith('cheap/') ? 'sum' : '{"summary": 1}')
    const bad = await env.wait(await env.start(wf, { text: 't' }))
    expect(bad.status).toBe('failed')
    expect(bad.error).toMatch(/^step score: output does not match the schema after one repair: .*score/)
    expect(bad.steps[1].status).toBe('failed')
  })

  it('fails the run naming the step when the model keeps failing, after its retries', async () => {
    env = await createWfEnv(dialect)
    env.respond.fn = () => {
      throw upstreamDown()
    }
    const wf = await env.save(
      `name: r\nsteps:\n  - id: only\n    model: cheap/m\n    prompt: hi\n    retries: 1\n`,
    )
    const run = await env.wait(await env.start(wf, {}))
    expect(run.status).toBe('failed')
    expect(run.error).toMatch(/^step only: model call failed \(502 upstream_error\).*after 2 attempts/)
    expect(env.calls).toHaveLength(2)
  })

  it('rejects bad recipes and inputs at save/start time', async () => {
    env = await createWfEnv(dialect)
    const bad = await env.app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers: env.auth('member'),
      payload: { yaml: 'name: [' },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.message).toMatch(/line 1, column \d+/)
    const unknownCred = await env.app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers: env.auth('member'),
      payload: { yaml: 'name: x\nsteps:\n  - id: s1\n    model: nokey/gpt\n    prompt: hi\n' },
    })
    expect(unknownCred.statusCode).toBe(400)
    expect(unknownCred.json().error.message).toBe('step s1: model nokey/gpt: unknown credential nokey')
    const auditor = await env.app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers: env.auth('auditor'),
      payload: { yaml: TWO_STEPS },
    })
    expect(auditor.statusCode).toBe(403)
    const wf = await env.save(TWO_STEPS)
    const dup = await env.app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers: env.auth('member'),
      payload: { yaml: TWO_STEPS },
    })
    expect(dup.statusCode).toBe(409)
    const noInput = await env.app.inject({
      method: 'POST',
      url: `/api/v1/workflows/${wf}/runs`,
      headers: env.auth('member'),
      payload: { inputs: {} },
    })
    expect(noInput.statusCode).toBe(400)
    expect(noInput.json().error.message).toMatch(/inputs: .*text/)
    const v2 = await env.app.inject({
      method: 'PUT',
      url: `/api/v1/workflows/${wf}`,
      headers: env.auth('member'),
      payload: { yaml: TWO_STEPS.replace('0.2', '0.3') },
    })
    expect(v2.json()).toMatchObject({ id: wf, version: 2 })
    const list = await env.app.inject({
      method: 'GET',
      url: '/api/v1/workflows?name=summarize-and-score',
      headers: env.auth('auditor'),
    })
    expect(list.json().data).toHaveLength(1)
  })

  it('foreach with bounded concurrency, when conditions and --set model overrides', async () => {
    env = await createWfEnv(dialect)
    let inFlight = 0
    let peak = 0
    env.respond.fn = async (model, body) => {
      inFlight++
      peak = Math.max(peak, inFlight)
      await new Promise((r) => setTimeout(r, 10))
      inFlight--
      const msg = (body.messages as { content: string }[]).at(-1)!.content
      return `${model}:${msg}`
    }
    const wf = await env.save(`
name: fan
inputs: { items: array, urgent: boolean }
steps:
  - id: each
    model: cheap/m
    prompt: "Item {{ item.name }}"
    foreach: "{{ inputs.items }}"
    concurrency: 2
  - id: escalate
    model: smart/m
    prompt: "escalate"
    when: "{{ inputs.urgent }}"
  - id: tag
    model: cheap/m
    prompt: "tag"
    when: { equals: ["{{ inputs.urgent }}", false] }
output: { each: "{{ steps.each.output }}", tag: "{{ steps.tag.output }}" }
`)
    const items = Array.from({ length: 6 }, (_, i) => ({ name: `n${i}` }))
    const run = await env.wait(
      await env.start(wf, { items, urgent: false }, 'member', { models: { tag: 'smart/other' } }),
    )
    expect(run.status).toBe('succeeded')
    expect(run.output.each).toEqual(items.map((it) => `cheap/m:Item ${it.name}`))
    expect(run.output.tag).toBe('smart/other:tag')
    expect(peak).toBe(2)
    expect(run.steps.find((s: RunJson) => s.id === 'escalate').status).toBe('skipped')
    expect(run.steps[0].usage).toEqual({ inputTokens: 60, outputTokens: 30 })
  })

  it('cancels a running run', async () => {
    env = await createWfEnv(dialect)
    env.respond.fn = (_m, _b, ctx) =>
      new Promise((_resolve, reject) =>
        ctx.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
      )
    const wf = await env.save(
      `name: slow\nsteps:\n  - id: a\n    model: cheap/m\n    prompt: hi\n  - id: b\n    model: cheap/m\n    prompt: hi\n`,
    )
    const runId = await env.start(wf, {})
    while (env.calls.length === 0) await new Promise((r) => setTimeout(r, 5))
    const r = await env.app.inject({
      method: 'POST',
      url: `/api/v1/runs/${runId}/cancel`,
      headers: env.auth('member'),
    })
    expect(r.statusCode).toBe(200)
    expect(r.json().status).toBe('cancelled')
    expect(r.json().steps.map((s: RunJson) => s.status)).toEqual(['cancelled', 'cancelled'])
    const again = await env.app.inject({
      method: 'POST',
      url: `/api/v1/runs/${runId}/cancel`,
      headers: env.auth('member'),
    })
    expect(again.statusCode).toBe(409)
  })

  it('bounds runs executing at once per process; the rest wait queued and all finish', async () => {
    const saved = workflowTuning.maxActive
    workflowTuning.maxActive = 2
    try {
      env = await createWfEnv(dialect)
    } finally {
      workflowTuning.maxActive = saved
    }
    let inFlight = 0
    let peak = 0
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    env.respond.fn = async () => {
      inFlight++
      peak = Math.max(peak, inFlight)
      await gate
      inFlight--
      return 'ok'
    }
    const wf = await env.save(`name: cap\nsteps:\n  - id: a\n    model: cheap/m\n    prompt: hi\n`)
    const ids = []
    for (let i = 0; i < 6; i++) ids.push(await env.start(wf, {}))
    while (inFlight < 2) await new Promise((r) => setTimeout(r, 5))
    const states = await env.rt.db.db
      .selectFrom('workflow_runs')
      .select('status')
      .where('id', 'in', ids)
      .execute()
    expect(states.filter((r) => r.status === 'queued')).toHaveLength(4)
    release()
    for (const id of ids) expect((await env.wait(id)).status).toBe('succeeded')
    expect(peak).toBe(2)
  })

  it('another org sees none of it (404, existence not revealed)', async () => {
    env = await createWfEnv(dialect)
    const wf = await env.save(TWO_STEPS)
    env.respond.fn = (m) => (m.startsWith('cheap/') ? 's' : '{"summary":"s","score":1}')
    const runId = await env.start(wf, { text: 'x' })
    await env.wait(runId)
    const orgId = await createOrg(env.rt.db.db, 'Other')
    const workspaceId = await createWorkspace(env.rt.db.db, orgId, 'W')
    const { raw } = await insertToken(env.rt.db.db, {
      orgId,
      workspaceId,
      userId: null,
      name: 'x',
      role: 'owner',
      createdBy: 't',
    })
    const h = { authorization: `Bearer ${raw}` }
    for (const [method, url, payload] of [
      ['GET', `/api/v1/workflows/${wf}`],
      ['GET', `/api/v1/workflows/${wf}/runs`],
      ['GET', `/api/v1/runs/${runId}`],
      ['POST', `/api/v1/runs/${runId}/cancel`],
      ['POST', `/api/v1/runs/${runId}/review`, { decision: 'approve' }],
      ['POST', `/api/v1/workflows/${wf}/runs`, { inputs: { text: 'x' } }],
      ['DELETE', `/api/v1/workflows/${wf}`],
    ] as const) {
      const r = await env.app.inject({
        method,
        url,
        headers: h,
        payload: payload as Record<string, unknown> | undefined,
      })
      expect(r.statusCode, `${method} ${url}`).toBe(404)
    }
    const list = await env.app.inject({ method: 'GET', url: '/api/v1/workflows', headers: h })
    expect(list.json().data).toEqual([])
    const reviews = await env.app.inject({ method: 'GET', url: '/api/v1/reviews', headers: h })
    expect(reviews.json().data).toEqual([])
  })
})
