/**
 * Issue 15, path 11 (address classification), end to end: under `LATCHKEY_EGRESS=public-only`
 * a credential aimed at loopback through an IPv6 spelling that embeds IPv4 (IPv4-compatible,
 * IPv4-translated, NAT64) is refused when it is saved, and a host name that resolves to one
 * is refused when the gateway connects. Before the fix `::7f00:1` and `::ffff:0:7f00:1`
 * classified as public/private-by-default and passed.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Resolver } from '../../src/egress/dispatcher.js'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'
import { canaryKey, createCredential } from '../vault/vault-helpers.js'
import { type Attacker, startAttacker } from './attacker.js'

describe.each(DIALECTS)('IPv6 spellings of loopback under public-only (%s)', (dialect) => {
  let env: TestEnv
  let attacker: Attacker
  afterEach(async () => {
    await env?.close()
    await attacker?.close()
  })

  it('a credential aimed at loopback through an embedded-IPv4 spelling is refused, at save and at connect', async () => {
    attacker = await startAttacker()
    const port = new URL(attacker.origin).port
    // Test DNS: the attacker's name resolves to the IPv4-compatible spelling of 127.0.0.1.
    const resolver: Resolver = async (host) =>
      host === 'compat.attacker.test' ? [{ address: '::7f00:1', family: 6 }] : []
    env = await createTestEnv(dialect, {
      env: { LATCHKEY_EGRESS: 'public-only' },
      setup: (rt) => rt.gateway.egress.useResolver(resolver),
    })
    const key = canaryKey()

    for (const host of ['[::7f00:1]', '[::127.0.0.1]', '[::ffff:0:7f00:1]', '[64:ff9b::7f00:1]']) {
      const r = await createCredential(env, env.auth('admin'), {
        name: `c${host.length}${host.charCodeAt(3)}`,
        provider: 'openai-compatible',
        apiKey: key,
        baseUrl: `http://${host}:${port}/v1`,
      })
      expect([host, r.status, r.json.error?.message]).toEqual([
        host,
        400,
        expect.stringMatching(/public-only refuses loopback/),
      ])
    }

    // A name is judged on its resolved addresses when the gateway connects.
    const named = await createCredential(env, env.auth('admin'), {
      name: 'named',
      provider: 'openai-compatible',
      apiKey: key,
      baseUrl: `http://compat.attacker.test:${port}/v1`,
    })
    expect(named.status, named.body).toBe(201)
    const call = await env.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: env.auth('member'),
      payload: { model: 'named/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    })
    expect(call.statusCode, call.body).toBe(502)
    expect(call.json().error).toMatchObject({ code: 'egress_blocked' })
    expect(call.json().error.message).toMatch(/public-only refuses loopback address ::7f00:1/)
    expect(attacker.requests).toHaveLength(0)
    expect(call.body).not.toContain(key)
  })
})
