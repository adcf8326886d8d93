/**
 * Opt-in content storage through the gateway: off by default (nothing kept), and when the
 * server allows it and the org opts in, each exchange (JSON and streamed) is kept sealed —
 * never as plain text in the database.
 */
import { randomBytes } from 'node:crypto'
import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { localMasterKey } from '../../src/vault/key-source.js'
import { rotateMasterKey } from '../../src/vault/master-key-service.js'
import { DIALECTS } from '../helpers.js'
import { type GatewayTestEnv, gatewayEnv } from './gateway-helpers.js'

const CANARY = `content-canary-${Math.random().toString(36).slice(2)}`

async function rows(env: GatewayTestEnv) {
  // The content store writes after the response (fire and forget): wait until it landed.
  for (let i = 0; i < 100; i++) {
    const r = await env.rt.db.db.selectFrom('call_contents').selectAll().execute()
    if (r.length >= 2) return r
    await new Promise((res) => setTimeout(res, 50))
  }
  return env.rt.db.db.selectFrom('call_contents').selectAll().execute()
}

async function twoCalls(env: GatewayTestEnv) {
  const client = new OpenAI({ baseURL: `${env.url}/v1`, apiKey: env.tokens.member, maxRetries: 0 })
  await client.chat.completions.create({
    model: 'oa/gpt-4o-mini',
    messages: [{ role: 'user', content: CANARY }],
  })
  const stream = await client.chat.completions.create({
    model: 'oa/gpt-4o-mini',
    messages: [{ role: 'user', content: CANARY }],
    stream: true,
  })
  let text = ''
  for await (const c of stream) text += c.choices[0]?.delta?.content ?? ''
  return text
}

describe.each(DIALECTS)('content storage through the gateway (%s)', (dialect) => {
  let env: GatewayTestEnv | undefined
  afterEach(async () => {
    await env?.close()
    env = undefined
  })

  it('keeps nothing by default', async () => {
    env = await gatewayEnv(dialect)
    await twoCalls(env)
    await new Promise((r) => setTimeout(r, 200))
    expect(await env.rt.db.db.selectFrom('call_contents').selectAll().execute()).toEqual([])
  })

  it('keeps sealed JSON and streamed exchanges when the server allows it and the org opts in', async () => {
    env = await gatewayEnv(dialect, { env: { LATCHKEY_STORE_CONTENT: 'true' } })
    const on = await env.app.inject({
      method: 'PATCH',
      url: '/api/v1/settings',
      headers: env.auth(),
      payload: { storeContent: true },
    })
    expect(on.statusCode).toBe(200)
    const streamed = await twoCalls(env)
    expect(streamed.length).toBeGreaterThan(0)
    const stored = await rows(env)
    expect(stored).toHaveLength(2)
    expect(JSON.stringify(stored)).not.toContain(CANARY)
    expect(JSON.stringify(stored)).not.toContain(streamed)
    for (const r of stored) expect(r.org_id).toBe(env.orgId)
    // And it opens back to the exchange: the request as sent, the answer as received.
    const opened = await Promise.all(stored.map((r) => env!.rt.usage.content.read(env!.orgId, r.request_id)))
    const isStream = (o: (typeof opened)[number]) =>
      (o?.response as { stream?: boolean } | undefined)?.stream === true
    const json = opened.find((o) => o && !isStream(o))
    const stream = opened.find((o) => o && isStream(o))
    expect(JSON.stringify(json?.request)).toContain(CANARY)
    expect(json?.response).toMatchObject({ object: 'chat.completion' })
    expect(stream?.response).toMatchObject({ stream: true, status: 'ok', content: streamed })
  })
  it('stored content survives a master-key rotation', async () => {
    const k1 = Buffer.alloc(32, 7)
    const k2 = randomBytes(32)
    env = await gatewayEnv(dialect, {
      env: {
        LATCHKEY_STORE_CONTENT: 'true',
        LATCHKEY_MASTER_KEY: `${k1.toString('base64')},${k2.toString('base64')}`,
      },
    })
    const e = env
    await e.app.inject({
      method: 'PATCH',
      url: '/api/v1/settings',
      headers: e.auth(),
      payload: { storeContent: true },
    })
    await twoCalls(e)
    const before = await rows(e)
    expect(before).toHaveLength(2)
    const s = await rotateMasterKey(
      { handle: e.rt.db, keyring: e.rt.vault.keyring, audit: e.rt.audit, bus: e.rt.bus, logger: e.rt.logger },
      { actor: 'test', actorKind: 'cli' },
      { newKey: k2, batchSize: 1 },
    )
    expect(s).toMatchObject({ rotating: false, remaining: 0 })
    const after = await e.rt.db.db.selectFrom('call_contents').selectAll().execute()
    for (const r of after) expect(r.sealed.startsWith(`lkwf2:${localMasterKey(k2).id}:`)).toBe(true)
    for (const r of after) expect(await e.rt.usage.content.read(e.orgId, r.request_id)).not.toBeNull()
  })
})
