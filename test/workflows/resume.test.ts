import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/server/app.js'
import { createRuntime } from '../../src/server/runtime.js'
import { workflowTuning } from '../../src/workflows/setup.js'
import { type FakeCall, fakeCredentials, fakeInvoke, type Responder } from './fake-invoke.js'
import { createWfEnv, type WfEnv, withHelpers } from './wf-env.js'

// Crash recovery waits for the dead process's lease to expire: shorten it for the test.
const saved = { ...workflowTuning }
beforeAll(() => Object.assign(workflowTuning, { leaseMs: 400, sweepMs: 100 }))
afterAll(() => Object.assign(workflowTuning, saved))

const recipe = (hookUrl: string) => `
name: resumable
inputs: { text: string }
steps:
  - id: first
    model: cheap/m
    prompt: "first {{ inputs.text }}"
  - id: post
    tool: hook
    with: { v: "{{ steps.first.output }}" }
  - id: last
    model: cheap/m
    prompt: "last {{ steps.post.output.n }}"
tools:
  hook: { url: "${hookUrl}", output: { type: object, required: [n] } }
`

/** A second process on the same data folder and database, with the same fakes plugged in. */
async function restart(prev: WfEnv, respond: Responder, calls: FakeCall[]): Promise<WfEnv> {
  const rt = await createRuntime(prev.config, {
    logger: pino({ level: 'silent' }),
    processMetrics: false,
    busPollMs: 100,
  })
  rt.invoke = fakeInvoke(respond, calls)
  rt.credentials = fakeCredentials(['cheap'])
  const app = await buildApp(rt)
  await app.ready()
  const env = {
    ...prev,
    rt,
    app,
    close: async () => {
      await app.close()
      await rt.close()
      await prev.close()
    },
  }
  return withHelpers(env, calls, { fn: respond })
}

// Restarting on the same database needs the same SQLite file; PostgreSQL variants of the engine
// run in engine.test.ts.
describe('restart and crash during a run (sqlite)', () => {
  let hook: http.Server
  let hookUrl: string
  const hookRequests: string[] = []
  let env: WfEnv | undefined
  beforeAll(async () => {
    hook = http.createServer((req, res) => {
      hookRequests.push(String(req.headers['idempotency-key']))
      req.resume()
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"n":42}'))
    })
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r))
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/h`
  })
  afterAll(() => new Promise<void>((r) => hook.close(() => r())))
  afterEach(async () => {
    await env?.close()
    env = undefined
    hookRequests.length = 0
  })

  const hangOnLast: Responder = (_m, body, ctx) => {
    const msg = (body.messages as { content: string }[]).at(-1)!.content
    if (msg.startsWith('last')) {
      return new Promise((_r, reject) =>
        ctx.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
      )
    }
    return `out(${msg})`
  }
  const answer: Responder = (_m, body) => `out(${(body.messages as { content: string }[]).at(-1)!.content})`

  for (const mode of ['graceful restart', 'crash'] as const) {
    it(`${mode}: continues from the last finished step, each finished step exactly once`, async () => {
      const first = await createWfEnv('sqlite')
      first.respond.fn = hangOnLast
      // An org admin writes the recipe: its tool calls a loopback hook (members may not).
      const wf = await first.save(recipe(hookUrl), 'admin')
      const runId = await first.start(wf, { text: 'go' })
      while (!first.calls.some((c) => JSON.stringify(c.body).includes('last 42')))
        await new Promise((r) => setTimeout(r, 10))
      expect(hookRequests).toEqual([`${runId}:post`])

      if (mode === 'crash') first.rt.workflows.engine.halt()
      // The old process goes away (after a halt nothing more is written, as after kill -9).
      await first.app.close()
      await first.rt.close()

      const calls: FakeCall[] = []
      env = await restart({ ...first, close: async () => first.close() }, answer, calls)
      const run = await env.wait(runId)
      expect(run.status).toBe('succeeded')
      expect(run.output).toBe('out(last 42)')
      // first and post were not repeated; only the step in flight ran again, in the new process.
      expect(calls.map((c) => c.body.messages)).toEqual([[{ role: 'user', content: 'last 42' }]])
      expect(hookRequests).toEqual([`${runId}:post`])
      expect(run.steps.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual([
        ['first', 'succeeded'],
        ['post', 'succeeded'],
        ['last', 'succeeded'],
      ])
      if (mode === 'crash') expect(run.steps[2].attempts).toBe(2)
    })
  }
})
