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

/**
 * Every content write the gateway hands over. The gateway hands it over in the same turn as
 * the call's usage event and writes it after the response (fire and forget), so waiting for
 * the events and then for these writes is exact — no sleeping.
 */
function trackContent(env: GatewayTestEnv) {
  const store = env.rt.usage.content
  const record = store.record.bind(store)
  const handed: Promise<boolean>[] = []
  store.record = (c) => {
    const p = record(c)
    handed.push(p)
    return p
  }
  return handed
}

async function rows(env: GatewayTestEnv, handed: Promise<boolean>[], calls = 2) {
  await env.eventsAtLeast(calls)
  await Promise.allSettled(handed)
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
    const handed = trackContent(env)
    await twoCalls(env)
    expect(await rows(env, handed)).toEqual([])
    expect(handed).toHaveLength(0)
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
    const handed = trackContent(env)
    const streamed = await twoCalls(env)
    expect(streamed.length).toBeGreaterThan(0)
    const stored = await rows(env, handed)
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
    const handed = trackContent(e)
    await twoCalls(e)
    const before = await rows(e, handed)
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
