import { afterEach, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers.js'
import { createE2eEnv, type E2eEnv } from './e2e-env.js'

const RECIPE = `
name: two-providers
inputs: { text: string }
steps:
  - id: summary
    model: oa/gpt-4o-mini
    prompt: "Summarize: {{ inputs.text }}"
  - id: score
    model: an/claude-sonnet-4-5
    system: "You are a strict grader."
    prompt: "Score this summary as JSON: {{ steps.summary.output }}"
    output: { schema: { type: object, required: [summary, score], properties: { summary: { type: string }, score: { type: number } } } }
output: "{{ steps.score.output }}"
`

describe.each(DIALECTS)('workflows through the real gateway (%s)', (dialect) => {
  let env: E2eEnv
  afterEach(async () => {
    await env?.close()
  })

  it('two steps on two providers (OpenAI wire + Anthropic wire), JSON schema with one repair', async () => {
    env = await createE2eEnv(dialect)
    let n = 0
    env.anthropic.reply = () =>
      ++n === 1 ? '{"summary": "Hello, world!"}' : '{"summary":"Hello, world!","score":9}'
    const wf = await env.save(RECIPE)
    const runId = await env.start(wf, { text: 'a long document' })
    const run = await env.wait(runId)
    expect(run.error).toBeNull()
    expect(run.status).toBe('succeeded')
    expect(run.output).toEqual({ summary: 'Hello, world!', score: 9 })
    expect(run.steps.map((s: { provider: string }) => s.provider)).toEqual(['openai', 'anthropic'])
    expect(run.steps[0].usage.inputTokens).toBeGreaterThan(0)
    expect(run.steps[1].usage).toEqual({ inputTokens: 24, outputTokens: 14 })
    // OpenAI upstream got the rendered prompt; Anthropic got native structured output and the repair turn.
    const oaReq = env.openai.requests.find((r) => r.path === '/v1/chat/completions')!
    expect(oaReq.body!.messages).toEqual([{ role: 'user', content: 'Summarize: a long document' }])
    expect(env.anthropic.requests).toHaveLength(2)
    const repair = env.anthropic.requests[1]!.body
    expect(repair.system).toBeDefined()
    expect(JSON.stringify(repair.messages)).toContain("must have required property 'score'")
    expect(JSON.stringify(env.anthropic.requests[0]!.body)).toContain('json_schema')
    // Metered like any gateway call, tagged with the run, step and workflow.
    await env.rt.usage.writer.flush()
    const usage = await env.rt.db.db
      .selectFrom('usage_records')
      .selectAll()
      .where('run_id', '=', runId)
      .execute()
    expect(usage.map((u) => [u.step_id, u.workflow_id, u.endpoint, u.provider]).sort()).toEqual([
      ['score', wf, 'invoke', 'anthropic'],
      ['score', wf, 'invoke', 'anthropic'],
      ['summary', wf, 'invoke', 'openai'],
    ])
    const stepCost = run.steps.reduce((a: number, s: { costUsd: number | null }) => a + (s.costUsd ?? 0), 0)
    const meteredCost = usage.reduce((a, u) => a + (u.cost_usd ?? 0), 0)
    expect(stepCost).toBeCloseTo(meteredCost, 10)
  })

  it('an unknown model at save time names the step; a failing upstream fails the run naming the step', async () => {
    env = await createE2eEnv(dialect)
    const bad = await env.app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers: env.auth('member'),
      payload: { yaml: RECIPE.replace('an/claude-sonnet-4-5', 'nope/x') },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.message).toBe('step score: model nope/x: unknown credential nope')
    const alias = await env.app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers: env.auth('member'),
      payload: { yaml: RECIPE.replace('an/claude-sonnet-4-5', 'no-such-route') },
    })
    expect(alias.json().error.message).toBe(
      'step score: model no-such-route: unknown route alias no-such-route',
    )

    env.openai.script(
      'gpt-4o-mini',
      Array.from({ length: 10 }, () => ({ kind: 'status' as const, status: 500 })),
    )
    const wf = await env.save(RECIPE)
    const run = await env.wait(await env.start(wf, { text: 'x' }))
    expect(run.status).toBe('failed')
    expect(run.error).toMatch(/^step summary: model call failed \(5\d\d /)
    expect(run.steps[1].status).toBe('cancelled')
  })

  it('a step on a route alias fails over to the route fallback on another provider', async () => {
    env = await createE2eEnv(dialect)
    const route = await env.app.inject({
      method: 'POST',
      url: '/api/v1/routes',
      headers: env.auth('admin'),
      payload: {
        alias: 'smart',
        targets: [{ model: 'oa/gpt-4o-mini' }],
        fallbacks: [{ model: 'an/claude-sonnet-4-5' }],
        retry: { attempts: 1 },
      },
    })
    expect(route.statusCode).toBe(201)
    env.openai.script(
      'gpt-4o-mini',
      Array.from({ length: 5 }, () => ({ kind: 'status' as const, status: 503 })),
    )
    env.anthropic.reply = () => 'from the fallback'
    const wf = await env.save('name: routed\nsteps:\n  - id: only\n    model: smart\n    prompt: hi\n')
    const run = await env.wait(await env.start(wf, {}))
    expect(run.error).toBeNull()
    expect(run).toMatchObject({ status: 'succeeded', output: 'from the fallback' })
    expect(run.steps[0]).toMatchObject({
      model: 'smart',
      provider: 'anthropic',
      resolvedModel: 'claude-sonnet-4-5',
    })
  })
})
