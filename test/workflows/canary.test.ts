import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers.js'
import { createE2eEnv, type E2eEnv } from './e2e-env.js'

const CANARY_IN = 'CANARY-input-7f3a9c'
const CANARY_OUT = 'CANARY-output-e41b22'
const CANARY_JSON = 'CANARY-json-5d0c81'
const CANARIES = [CANARY_IN, CANARY_OUT, CANARY_JSON]

/** Every row of every table, as text. */
async function dumpDb(env: E2eEnv): Promise<string> {
  const tables = await env.rt.db.db.introspection.getTables()
  let out = ''
  for (const t of tables) {
    const rows = await env.rt.db.db
      .selectFrom(t.name as never)
      .selectAll()
      .execute()
    out += JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v))
  }
  return out
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? filesUnder(p) : [p]
  })
}

describe.each(DIALECTS)('run content privacy (%s)', (dialect) => {
  let env: E2eEnv
  afterEach(async () => {
    await env?.close()
  })

  it('no step text persists after the run by default: sealed while retained, purged after the TTL', async () => {
    env = await createE2eEnv(dialect)
    env.openai.words = [CANARY_OUT]
    env.anthropic.reply = () => JSON.stringify({ note: CANARY_JSON, score: 1 })
    const wf = await env.save(`
name: canary
inputs: { text: string }
steps:
  - id: a
    model: oa/gpt-4o-mini
    prompt: "Echo {{ inputs.text }}"
  - id: b
    model: an/claude-sonnet-4-5
    prompt: "JSON about {{ steps.a.output }}"
    output: { schema: { type: object, required: [score] } }
    review: true
  - id: c
    model: oa/gpt-4o-mini
    prompt: "Final {{ steps.b.output.note }}"
`)
    const runId = await env.start(wf, { text: CANARY_IN })
    expect((await env.wait(runId)).status).toBe('waiting_review')
    // While waiting for review the content is needed: readable through the API, sealed at rest.
    const parked = await env.wait(runId)
    expect(parked.steps[1].output).toEqual({ note: CANARY_JSON, score: 1 })
    const whileWaiting = await dumpDb(env)
    for (const c of CANARIES) expect(whileWaiting).not.toContain(c)
    await env.app.inject({
      method: 'POST',
      url: `/api/v1/runs/${runId}/review`,
      headers: env.auth('admin'),
      payload: { decision: 'approve', comment: 'CANARY-comment' },
    })
    const done = await env.wait(runId)
    expect(done.status).toBe('succeeded')
    expect(done.output).toBe(CANARY_OUT)
    expect(done.purgeAt - done.finishedAt).toBe(24 * 3600 * 1000)

    // The retention window passes: the sweeper's purge drops every sealed blob.
    expect(await env.rt.workflows.engine.store.purgeExpired(Date.now() + 24 * 3600 * 1000 + 1)).toBe(1)
    const after = await env.wait(runId)
    expect(after).toMatchObject({ purged: true, output: null, status: 'succeeded' })
    expect(after.steps.every((s: { output?: unknown }) => s.output === undefined)).toBe(true)
    expect(after.steps[1].review).toMatchObject({ decision: 'approve' })
    expect(after.steps[1].review.comment).toBeUndefined()
    const runRow = await env.rt.db.db
      .selectFrom('workflow_runs')
      .selectAll()
      .where('id', '=', runId)
      .executeTakeFirstOrThrow()
    expect([runRow.inputs_sealed, runRow.output_sealed]).toEqual([null, null])
    const steps = await env.rt.db.db
      .selectFrom('workflow_run_steps')
      .selectAll()
      .where('run_id', '=', runId)
      .execute()
    expect(steps.every((s) => s.output_sealed === null && s.review_comment_sealed === null)).toBe(true)

    // Stop the process (flushes usage/audit writers), then scan the whole data folder.
    const dump = await dumpDb(env)
    for (const c of [...CANARIES, 'CANARY-comment']) expect(dump).not.toContain(c)
    await env.app.close()
    await env.rt.close()
    for (const f of filesUnder(env.home)) {
      const bytes = fs.readFileSync(f).toString('latin1')
      for (const c of [...CANARIES, 'CANARY-comment']) expect(bytes, `${c} in ${f}`).not.toContain(c)
    }
  })
})
