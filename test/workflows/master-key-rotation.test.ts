/**
 * A master-key rotation re-wraps sealed run content (inputs, step outputs, review comments)
 * before it retires the old key: a run parked for review stays readable and finishes.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { localMasterKey } from '../../src/vault/key-source.js'
import { rotateMasterKey } from '../../src/vault/master-key-service.js'
import { DIALECTS } from '../helpers.js'
import { createWfEnv, type WfEnv } from './wf-env.js'

describe.each(DIALECTS)('workflow content across a master-key rotation (%s)', (dialect) => {
  let env: WfEnv | undefined
  afterEach(async () => {
    await env?.close()
    env = undefined
  })

  it('re-wraps every sealed blob under the new key and the run still completes', async () => {
    const k1 = Buffer.alloc(32, 7)
    const k2 = randomBytes(32)
    env = await createWfEnv(dialect, {
      env: { LATCHKEY_MASTER_KEY: `${k1.toString('base64')},${k2.toString('base64')}` },
    })
    const e = env
    e.respond.fn = () => 'first answer'
    const wf = await e.save(`
name: parked
inputs: { text: string }
steps:
  - id: a
    model: cheap/gpt-4o-mini
    prompt: "Say {{ inputs.text }}"
    review: true
  - id: b
    model: cheap/gpt-4o-mini
    prompt: "Again {{ steps.a.output }}"
`)
    const runId = await e.start(wf, { text: 'hello' })
    expect((await e.wait(runId)).status).toBe('waiting_review')

    const s = await rotateMasterKey(
      { handle: e.rt.db, keyring: e.rt.vault.keyring, audit: e.rt.audit, bus: e.rt.bus, logger: e.rt.logger },
      { actor: 'test', actorKind: 'cli' },
      { newKey: k2, batchSize: 1 },
    )
    expect(s).toMatchObject({ rotating: false, remaining: 0 })

    const newId = localMasterKey(k2).id
    const run = await e.rt.db.db
      .selectFrom('workflow_runs')
      .select('inputs_sealed')
      .where('id', '=', runId)
      .executeTakeFirstOrThrow()
    expect(run.inputs_sealed).toMatch(new RegExp(`^lkwf2:${newId}:`))
    const steps = await e.rt.db.db
      .selectFrom('workflow_run_steps')
      .select('output_sealed')
      .where('run_id', '=', runId)
      .execute()
    // The parked run has finished its first step: at least one sealed output to check.
    const sealed = steps.filter((st) => st.output_sealed !== null)
    expect(sealed.length).toBeGreaterThan(0)
    for (const st of sealed) expect(st.output_sealed).toMatch(new RegExp(`^lkwf2:${newId}:`))

    // Still readable after the old key is gone (a plain GET: the run is parked, nothing changes).
    const parked = (
      await e.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}`, headers: e.auth('member') })
    ).json()
    expect(parked.steps[0].output).toBe('first answer')
    const review = await e.app.inject({
      method: 'POST',
      url: `/api/v1/runs/${runId}/review`,
      headers: e.auth('admin'),
      payload: { decision: 'approve', comment: 'fine' },
    })
    expect(review.statusCode).toBe(200)
    const done = await e.wait(runId)
    expect(done.status).toBe('succeeded')
    expect(done.output).toBe('first answer')
  })
})
