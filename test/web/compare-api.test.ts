/**
 * POST /api/v1/compare: several models stream over one SSE response, each event tagged with
 * its column; one failing column does not stop the others; usage is metered per column.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorBody } from '../fakes/openai-upstream.js'
import { credential, type GatewayTestEnv, gatewayEnv, OTHER_KEY } from '../gateway/gateway-helpers.js'
import { DIALECTS } from '../helpers.js'

interface Ev {
  event: string
  data: Record<string, unknown>
}

function parseSse(text: string): Ev[] {
  return text
    .split('\n\n')
    .filter((b) => b.trim())
    .map((block) => {
      const lines = block.split('\n')
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message'
      const data = lines
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n')
      return { event, data: JSON.parse(data) as Record<string, unknown> }
    })
}

describe.each(DIALECTS)('POST /api/v1/compare (%s)', (dialect) => {
  let env: GatewayTestEnv
  beforeAll(async () => {
    env = await gatewayEnv(dialect, {
      creds: (fake) => [
        credential('oa', fake.baseUrl),
        credential('ob', fake.baseUrl, { apiKey: OTHER_KEY }),
      ],
    })
  })
  afterAll(async () => {
    await env?.close()
  })

  async function compare(body: unknown, role: 'member' | 'auditor' = 'member') {
    return fetch(`${env.url}/api/v1/compare`, {
      method: 'POST',
      headers: { ...env.auth(role), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  }

  it('streams every column over one response, tagged by column, then end', async () => {
    env.fake.reset()
    const res = await compare({
      models: ['oa/gpt-a', 'ob/gpt-b'],
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Say hello' }],
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    const events = parseSse(await res.text())
    expect(events.at(-1)!.event).toBe('end')
    for (const column of [0, 1]) {
      const mine = events.filter((e) => e.data.column === column)
      expect(mine[0]).toMatchObject({ event: 'start' })
      const text = mine
        .filter((e) => e.event === 'delta')
        .map((e) => e.data.text)
        .join('')
      expect(text).toBe('Hello, world!')
      expect(mine.find((e) => e.event === 'delta')!.data.ttftMs).toEqual(expect.any(Number))
      const done = mine.find((e) => e.event === 'done')!
      expect(done.data).toMatchObject({
        usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) },
      })
      expect(done.data.latencyMs).toEqual(expect.any(Number))
    }
    // Each column was a real gateway call with the system prompt first; each was metered.
    const bodies = env.fake.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body!)
    expect(bodies.map((b) => b.model).sort()).toEqual(['gpt-a', 'gpt-b'])
    for (const b of bodies) {
      expect(b.messages).toEqual([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello' },
      ])
      expect(b.stream).toBe(true)
    }
    await expect.poll(() => env.events().filter((e) => e.status === 'ok').length).toBeGreaterThanOrEqual(2)
  })

  it('fails one column alone with its error; the others finish', async () => {
    env.fake.reset()
    env.fake.script('broken', [
      {
        kind: 'status',
        status: 400,
        body: errorBody('model broken does not exist', 'invalid_request_error', 'model_not_found'),
      },
    ])
    const res = await compare({
      models: ['oa/broken', 'oa/fine', 'nope/x'],
      messages: [{ role: 'user', content: 'hi' }],
    })
    const events = parseSse(await res.text())
    const err0 = events.find((e) => e.event === 'error' && e.data.column === 0)
    expect(err0).toBeDefined()
    expect(String((err0!.data.error as { message: string }).message)).toMatch(/broken|does not exist|400/)
    expect(events.find((e) => e.event === 'done' && e.data.column === 1)).toBeDefined()
    const err2 = events.find((e) => e.event === 'error' && e.data.column === 2)
    expect((err2!.data.error as { status: number }).status).toBe(404)
    expect(events.at(-1)!.event).toBe('end')
  })

  it('validates the body and refuses roles that may not call models', async () => {
    expect((await compare({ models: [], messages: [{ role: 'user', content: 'x' }] })).status).toBe(400)
    expect(
      (await compare({ models: Array(7).fill('oa/m'), messages: [{ role: 'user', content: 'x' }] })).status,
    ).toBe(400)
    expect(
      (await compare({ models: ['oa/m'], messages: [{ role: 'user', content: 'x' }], extra: 1 })).status,
    ).toBe(400)
    expect(
      (await compare({ models: ['oa/m'], messages: [{ role: 'user', content: 'x' }] }, 'auditor')).status,
    ).toBe(403)
  })
})
