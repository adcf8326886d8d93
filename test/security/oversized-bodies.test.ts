/**
 * Issue 15, path 11 (part) — a tool's answer and an image inlined for a byte-only provider come
 * from URLs a user chose, and were read whole before their size was checked: an endless body
 * filled the server's memory. A malicious "upstream" on loopback streams without end (no
 * content-length); the call must fail with a clear error once the limit is passed, and the
 * server must stop reading there (the flood sees the connection closed after a few MiB).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'
import { createWfEnv } from '../workflows/wf-env.js'
import { type Flood, startFlood } from './attacker.js'
import { allowPrivateOrigins, runWorkflow } from './security-helpers.js'

/** Far above either limit (1 MiB, 5 MB) plus socket buffers, far below an unbounded read. */
const READ_BOUND = 32 * 1024 * 1024

describe.each(DIALECTS)('oversized outbound bodies (%s)', (dialect) => {
  let env: TestEnv
  let flood: Flood
  afterEach(async () => {
    await env?.close()
    await flood?.close()
  })

  it('a tool answer that never ends fails the step at 1 MiB and is not read further', async () => {
    env = await createWfEnv(dialect)
    flood = await startFlood()
    // A member's recipe reaches the loopback tool only because an org admin allowed its origin.
    await allowPrivateOrigins(env, flood.origin)
    const yaml = `name: flood\nsteps:\n  - id: call\n    tool: big\ntools:\n  big: { method: GET, url: "${flood.origin}/x" }\n`
    const saved = await env.app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers: env.auth('member'),
      payload: { yaml },
    })
    expect(saved.statusCode, saved.body).toBe(201)
    const run = await runWorkflow(env, env.auth('member'), saved.json().id)
    expect(run.status).toBe('failed')
    expect(run.error).toMatch(/tool big: response larger than 1 MiB/)
    await flood.hungUp
    expect(flood.written()).toBeLessThan(READ_BOUND)
  })

  it('an image URL that never ends is refused at 5 MB and is not read further', async () => {
    env = await createTestEnv(dialect)
    flood = await startFlood('image/png')
    const cred = await env.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: env.auth('admin'),
      // Gemini takes image bytes only, so remote images are inlined; the upstream is never reached.
      payload: { name: 'gem', provider: 'gemini', apiKey: 'AIza-not-used', baseUrl: 'http://127.0.0.1:9' },
    })
    expect(cred.statusCode, cred.body).toBe(201)
    const r = await env.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: env.auth('member'),
      payload: {
        model: 'gem/gemini-2.0-flash',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this?' },
              { type: 'image_url', image_url: { url: `${flood.origin}/cat.png` } },
            ],
          },
        ],
      },
    })
    expect(r.statusCode, r.body).toBe(400)
    expect(r.json().error.message).toMatch(/image larger than 5 MB/)
    await flood.hungUp
    expect(flood.written()).toBeLessThan(READ_BOUND)
  })
})
