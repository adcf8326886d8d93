/** Test env for workflow suites: a runtime with a scripted invoke and fake credentials. */
import type { Role } from '../../src/identity/principal.js'
import { createTestEnv, type TestDialect, type TestEnv } from '../helpers.js'
import { type FakeCall, fakeCredentials, fakeInvoke, type Responder } from './fake-invoke.js'

/** API JSON in tests is read loosely; the assertions check its shape. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type RunJson = any

export interface WfEnv extends TestEnv {
  calls: FakeCall[]
  respond: { fn: Responder }
  save(yaml: string, role?: Role): Promise<string>
  start(
    workflowId: string,
    inputs: Record<string, unknown>,
    role?: Role,
    extra?: Record<string, unknown>,
  ): Promise<string>
  wait(runId: string, role?: Role): Promise<RunJson>
}

export async function createWfEnv(
  dialect: TestDialect,
  opts: { env?: Record<string, string>; home?: string } = {},
): Promise<WfEnv> {
  const calls: FakeCall[] = []
  const respond: { fn: Responder } = { fn: () => 'ok' }
  const env = await createTestEnv(dialect, {
    env: opts.env,
    setup(rt) {
      rt.invoke = fakeInvoke((m, b, c) => respond.fn(m, b, c), calls)
      rt.credentials = fakeCredentials(['cheap', 'smart', 'anth'], rt.credentials)
    },
  })
  return withHelpers(env, calls, respond)
}

export function withHelpers(env: TestEnv, calls: FakeCall[], respond: { fn: Responder }): WfEnv {
  const w = env as WfEnv
  w.calls = calls
  w.respond = respond
  w.save = async (yaml, role = 'member') => {
    const r = await env.app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers: env.auth(role),
      payload: { yaml },
    })
    if (r.statusCode !== 201) throw new Error(`save failed ${r.statusCode}: ${r.body}`)
    return r.json().id
  }
  w.start = async (id, inputs, role = 'member', extra = {}) => {
    const r = await env.app.inject({
      method: 'POST',
      url: `/api/v1/workflows/${id}/runs`,
      headers: env.auth(role),
      payload: { inputs, ...extra },
    })
    if (r.statusCode !== 202) throw new Error(`start failed ${r.statusCode}: ${r.body}`)
    return r.json().id
  }
  w.wait = async (runId, role = 'member') => {
    const r = await env.app.inject({
      method: 'GET',
      url: `/api/v1/runs/${runId}?wait=20`,
      headers: env.auth(role),
    })
    if (r.statusCode !== 200) throw new Error(`get run failed ${r.statusCode}: ${r.body}`)
    return r.json()
  }
  return w
}
