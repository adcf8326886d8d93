import fs from 'node:fs'
import path from 'node:path'
import { Writable } from 'node:stream'
import OpenAI from 'openai'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers.js'
import { credential, type GatewayTestEnv, gatewayEnv, UPSTREAM_KEY } from './gateway-helpers.js'

const PROMPT = 'CANARY-PROMPT-7f3a9c'

function filesUnder(dir: string): string[] {
  const out: string[] = []
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...filesUnder(p))
    else out.push(p)
  }
  return out
}

describe.each(DIALECTS)('privacy canaries through the gateway (%s)', (dialect) => {
  let env: GatewayTestEnv
  const logs: string[] = []
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk))
        cb()
      },
    })
    env = await gatewayEnv(dialect, {
      runtime: { logger: pino({ level: 'trace' }, sink) },
      creds: (fake) => [
        credential('oa', fake.baseUrl),
        credential('bad', fake.baseUrl, { apiKey: 'sk-bad-canary-key-55aa66bb77cc' }),
      ],
    })
  })
  afterAll(async () => {
    await env?.close()
  })

  it('prompt text, upstream keys and lk_ tokens stay out of responses, logs, events and files', async () => {
    const client = new OpenAI({ baseURL: `${env.url}/v1`, apiKey: env.tokens.member, maxRetries: 0 })
    const messages = [{ role: 'user' as const, content: PROMPT }]
    const bodies: string[] = []
    const ok = await client.chat.completions.create({ model: 'oa/gpt-4o-mini', messages }).withResponse()
    bodies.push(JSON.stringify(ok.data), JSON.stringify([...ok.response.headers]))
    const stream = await client.chat.completions.create({ model: 'oa/gpt-4o-mini', messages, stream: true })
    for await (const c of stream) bodies.push(JSON.stringify(c))
    const bad = await client.chat.completions
      .create({ model: 'bad/gpt-4o-mini', messages })
      .catch((e: Error) => e)
    bodies.push(String(bad), JSON.stringify(bad))
    env.fake.script('boom', [
      { kind: 'status', status: 500 },
      { kind: 'status', status: 500 },
    ])
    const boom = await client.chat.completions.create({ model: 'oa/boom', messages }).catch((e: Error) => e)
    bodies.push(String(boom))

    const events = JSON.stringify(env.events())
    expect(events).not.toContain(PROMPT)
    expect(events).not.toContain('Hello, world')

    // Flush writers and close the database, then read every file the runtime wrote.
    await env.app.close()
    await env.rt.close()
    const files = filesUnder(env.home).map((f) => fs.readFileSync(f).toString('latin1'))
    for (const hay of [...bodies, logs.join('\n'), ...files]) {
      expect(hay).not.toContain(UPSTREAM_KEY)
      expect(hay).not.toContain('sk-bad-canary-key-55aa66bb77cc')
      expect(hay).not.toContain(env.tokens.member)
    }
    for (const hay of [logs.join('\n'), ...files]) expect(hay).not.toContain(PROMPT)
    // The calls were metered nonetheless.
    expect(env.events().length).toBeGreaterThanOrEqual(4)
  })
})
