/**
 * Crash recovery with real processes: `latchkey serve` is killed with SIGKILL while a step is
 * in flight; a new `latchkey serve` on the same data folder continues the run once the dead
 * process's lease expires, without repeating finished steps (model call or tool post).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { type FakeUpstream, startFakeOpenAI } from '../fakes/openai-upstream.js'
import { tempHome } from '../helpers.js'
import type { RunJson } from './wf-env.js'

const run = promisify(execFile)
const BIN = path.resolve(import.meta.dirname, '../../bin/latchkey.js')
const UPSTREAM_KEY = 'sk-fake-upstream-key-0123456789'

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

async function serve(env: NodeJS.ProcessEnv, url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: 'ignore' })
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`)
    try {
      if ((await fetch(`${url}/healthz`)).ok) return child
    } catch {}
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('server did not become healthy')
}

describe('kill -9 during a run (real processes, SQLite)', () => {
  const home = tempHome()
  let fake: FakeUpstream
  let hook: http.Server
  const children: ChildProcess[] = []
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
    await fake?.close()
    await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()))
    fs.rmSync(home, { recursive: true, force: true })
  })

  it('the restarted server continues from the last finished step, each step exactly once', {
    timeout: 120_000,
  }, async () => {
    fake = await startFakeOpenAI()
    fake.script('slow-model', [{ kind: 'hang' }])
    const posts: string[] = []
    hook = http.createServer((req, res) => {
      posts.push(String(req.headers['idempotency-key']))
      req.resume()
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"n":7}'))
    })
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r))
    const hookUrl = `http://127.0.0.1:${(hook.address() as net.AddressInfo).port}/h`

    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LATCHKEY_HOME: home,
      LATCHKEY_PORT: String(port),
      LATCHKEY_LOG_LEVEL: 'silent',
      LATCHKEY_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
      DATABASE_URL: '',
      REDIS_URL: '',
    }
    const token = (
      await run(process.execPath, [BIN, 'admin', 'token', '--name', 'crash', '--role', 'owner'], { env })
    ).stdout.trim()
    const api = async (method: string, p: string, body?: unknown): Promise<RunJson> => {
      const r = await fetch(`${url}${p}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const json = (await r.json()) as RunJson
      if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(json)}`)
      return json
    }

    children.push(await serve(env, url))
    await api('POST', '/api/v1/credentials', {
      name: 'oa',
      provider: 'openai',
      apiKey: UPSTREAM_KEY,
      baseUrl: fake.baseUrl,
    })
    const wf = await api('POST', '/api/v1/workflows', {
      yaml: `
name: crashy
steps:
  - id: first
    model: oa/gpt-4o-mini
    prompt: "first"
  - id: post
    tool: hook
    with: { v: "{{ steps.first.output }}" }
  - id: last
    model: oa/slow-model
    prompt: "last {{ steps.post.output.n }}"
tools:
  hook: { url: "${hookUrl}", output: { type: object, required: [n] } }
`,
    })
    const { id: runId } = await api('POST', `/api/v1/workflows/${wf.id}/runs`, { inputs: {} })
    const chat = (model: string) =>
      fake.requests.filter((r) => r.path === '/v1/chat/completions' && r.body?.model === model)
    while (chat('slow-model').length === 0) await new Promise((r) => setTimeout(r, 20))

    children[0]!.kill('SIGKILL')
    await new Promise((r) => children[0]!.once('exit', r))
    expect(posts).toEqual([`${runId}:post`])

    children.push(await serve(env, url))
    let view = await api('GET', `/api/v1/runs/${runId}`)
    while (view.status === 'running' || view.status === 'queued')
      view = await api('GET', `/api/v1/runs/${runId}?wait=20`)
    expect(view.error).toBeNull()
    expect(view.status).toBe('succeeded')
    expect(view.output).toBe('Hello, world!')
    expect(
      view.steps.map((s: { id: string; status: string; attempts: number }) => [s.id, s.status, s.attempts]),
    ).toEqual([
      ['first', 'succeeded', 1],
      ['post', 'succeeded', 1],
      ['last', 'succeeded', 2],
    ])
    expect(chat('gpt-4o-mini')).toHaveLength(1)
    expect(posts).toEqual([`${runId}:post`])
    expect(chat('slow-model')).toHaveLength(2)
  })
})
