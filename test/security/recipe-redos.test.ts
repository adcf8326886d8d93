/**
 * Attack (issue 15, path 8): ReDoS through recipe JSON schemas. Any member may save a recipe,
 * and its schemas (inputs, step `output.schema`, tool input/output) are validated on the event
 * loop. A `pattern` like `^(a+)+$` on the backtracking engine takes 2^n steps on
 * `"a"×n + "!"`: one run request (or one model reply) froze the whole server. The server runs
 * in its own process here, so a frozen server shows up as a request that never answers
 * instead of freezing the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeUpstream, startFakeOpenAI } from '../fakes/openai-upstream.js'
import { DIALECTS } from '../helpers.js'
import { type ChildServer, startChildServer } from './child-server.js'

/** Far longer than any healthy answer takes, far shorter than a frozen server's 2^64 steps. */
const GUARD_MS = 20_000
const EVIL = `${'a'.repeat(64)}!`

describe.each(DIALECTS)('recipe schemas cannot freeze the server (%s)', (dialect) => {
  let srv: ChildServer
  let upstream: FakeUpstream
  let member: string

  async function api(method: string, path: string, body?: unknown, token = member) {
    const r = await fetch(`${srv.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(GUARD_MS),
    })
    // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON
    return { status: r.status, json: (await r.json().catch(() => null)) as any }
  }

  async function stillServing() {
    const r = await fetch(`${srv.url}/healthz`, { signal: AbortSignal.timeout(GUARD_MS) })
    expect(r.status).toBe(200)
    expect(srv.alive()).toBe(true)
  }

  async function save(name: string, inputs: string, extra = '') {
    const yaml = `name: ${name}\ninputs:\n${inputs}\nsteps:\n  - id: s\n    model: oa/gpt-4o-mini\n    prompt: "x"\n${extra}`
    const r = await api('POST', '/api/v1/workflows', { yaml })
    expect(r.status, JSON.stringify(r.json)).toBe(201)
    return r.json.id as string
  }

  beforeAll(async () => {
    upstream = await startFakeOpenAI()
    srv = await startChildServer(dialect)
    const owner = await srv.token('owner')
    member = await srv.token('member')
    const c = await api(
      'POST',
      '/api/v1/credentials',
      {
        name: 'oa',
        provider: 'openai',
        apiKey: 'sk-fake-upstream-key-0123456789',
        baseUrl: upstream.baseUrl,
      },
      owner,
    )
    expect(c.status, JSON.stringify(c.json)).toBe(201)
    // Starting a server process and the CLI can take a while on a loaded machine.
  }, 180_000)
  afterAll(async () => {
    await srv?.close()
    await upstream?.close()
  })

  it('a catastrophic `pattern` on a run input answers 400 at once', async () => {
    const id = await save('redos-pattern', '  s: { type: string, pattern: "^(a+)+$" }')
    const r = await api('POST', `/api/v1/workflows/${id}/runs`, { inputs: { s: EVIL } })
    expect(r.status).toBe(400)
    expect(r.json.error.message).toMatch(/inputs: \/s must match pattern/)
    // The pattern still works as a pattern.
    const ok = await api('POST', `/api/v1/workflows/${id}/runs`, { inputs: { s: 'aaaa' } })
    expect(ok.status).toBe(202)
    await stillServing()
  })

  it('a catastrophic `patternProperties` key pattern answers 400 at once', async () => {
    const id = await save(
      'redos-pattern-properties',
      '  o: { type: object, patternProperties: { "^(a+)+$": { type: integer } } }',
    )
    const r = await api('POST', `/api/v1/workflows/${id}/runs`, { inputs: { o: { [EVIL]: 'x', aaa: 'y' } } })
    expect(r.status).toBe(400)
    expect(r.json.error.message).toMatch(/must be integer/)
    await stillServing()
  })

  it('a linear but costly pattern on a 2 MB value is refused by the work budget', async () => {
    // RE2's slow path costs (program size × length): on 2 MB of pseudo-random a/b this pattern
    // keeps the DFA from caching and took over 30 s without the budget.
    const id = await save('redos-costly', '  s: { type: string, pattern: "(?:[ab]{0,30}a){10}!" }')
    let v = ''
    let x = 12345
    for (let i = 0; i < 2_000_000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648
      v += x & 65536 ? 'a' : 'b'
    }
    const r = await api('POST', `/api/v1/workflows/${id}/runs`, { inputs: { s: `${v}!` } })
    expect(r.status).toBe(400)
    expect(r.json.error.message).toMatch(/pattern work limit/)
    await stillServing()
  })

  it('a format whose stock regex backtracks (`url`) on a 1 MB value answers at once', async () => {
    // ajv-formats' `url` regex is quadratic on this input: ~2 s at 110 kB, minutes at 1 MB.
    const id = await save('redos-format', '  u: { type: string, format: url }')
    const r = await api('POST', `/api/v1/workflows/${id}/runs`, {
      // Ends in U+0001, not NUL: a NUL in management input is refused before validation (issue
      // 19), and any character the regex cannot end on backtracks the same.
      inputs: { u: `ftp://172.30.3.56${'4.1.6.7:155'.repeat(95_000)}\u0001` },
    })
    expect(r.status).toBe(400)
    expect(r.json.error.message).toMatch(/must match format "url"/)
    const ok = await api('POST', `/api/v1/workflows/${id}/runs`, {
      inputs: { u: 'https://example.com/a?b=c' },
    })
    expect(ok.status).toBe(202)
    await stillServing()
  })

  it('a model reply checked against a catastrophic output schema fails the step, not the server', async () => {
    upstream.words = [JSON.stringify({ s: EVIL })]
    const id = await save(
      'redos-output',
      '  t: string?',
      '    output: { schema: { type: object, required: [s], properties: { s: { type: string, pattern: "^(a+)+$" } } } }\n',
    )
    const start = await api('POST', `/api/v1/workflows/${id}/runs`, { inputs: {} })
    expect(start.status).toBe(202)
    const run = await api('GET', `/api/v1/runs/${start.json.id}?wait=15`)
    expect(run.status).toBe(200)
    expect(run.json.status).toBe('failed')
    expect(run.json.error).toMatch(/must match pattern/)
    await stillServing()
  })

  it('patterns the linear engine cannot run are refused when the recipe is saved', async () => {
    for (const [pattern, why] of [
      ['^(a)\\\\1$', /pattern .* is not supported/],
      ['^(?=a)a$', /pattern .* is not supported/],
    ] as const) {
      const yaml = `name: redos-refused\ninputs:\n  s: { type: string, pattern: "${pattern}" }\nsteps:\n  - id: s\n    model: oa/gpt-4o-mini\n    prompt: "x"\n`
      const r = await api('POST', '/api/v1/workflows', { yaml })
      expect(r.status).toBe(400)
      expect(r.json.error.message).toMatch(why)
    }
    await stillServing()
  })
})
