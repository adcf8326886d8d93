/**
 * Issue 15, path 7: sign-in limits, played over real HTTP against a listening server.
 *
 * The attacker is an outsider guessing passwords (or an admin who holds an invite link for an
 * existing account and guesses its password through `/invites/accept`). Three ways around the
 * limits are tried: a parallel burst (every guess passes the check before any is counted), a
 * forged `X-Forwarded-For` per guess (a fresh per-address bucket each time), and the invite
 * endpoint (no limit at all).
 *
 * Every request reaches the server as it would through one TLS-terminating proxy on loopback:
 * the proxy appends the client's real address to `X-Forwarded-For`. Each run uses its own
 * client address and emails, so counters shared in Redis across runs never meet.
 */
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/config.js'
import { createOrg, createWorkspace } from '../../src/identity/orgs.js'
import { insertToken } from '../../src/identity/tokens-repo.js'
import { createTestEnv, DIALECTS, REDIS_URL, type TestEnv } from '../helpers.js'
import { invite, join, PASSWORD } from './security-helpers.js'

/** The limits the server promises (src/identity/attempt-limits.ts). */
const MAX_PER_ACCOUNT = 10
const MAX_PER_ADDRESS = 30
const MAX_PER_INVITE = 10

const run = Math.random().toString(36).slice(2, 8)
const octet = () => 1 + Math.floor(Math.random() * 250)
/** A client address of this run (what the proxy appends). */
const clientAddress = () => `10.${octet()}.${octet()}.${octet()}`

interface Server {
  env: TestEnv
  url: string
}

async function listen(env: TestEnv): Promise<Server> {
  await env.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = env.app.server.address() as AddressInfo
  return { env, url: `http://127.0.0.1:${port}` }
}

async function post(
  s: Server,
  path: string,
  body: unknown,
  xff: string,
): Promise<{ status: number; code: string | undefined }> {
  const r = await fetch(`${s.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': xff },
    body: JSON.stringify(body),
  })
  const json = (await r.json()) as { error?: { code?: string } }
  return { status: r.status, code: json.error?.code }
}

const count = (rs: { status: number }[], status: number) => rs.filter((r) => r.status === status).length

const VARIANTS = [
  ...DIALECTS.map((d) => ({ dialect: d, redis: false, name: `${d}, in-process counters` })),
  ...(REDIS_URL ? [{ dialect: DIALECTS[0]!, redis: true, name: 'sqlite, Redis counters' }] : []),
]

describe.each(VARIANTS)('sign-in limits ($name)', ({ dialect, redis }) => {
  let s: Server
  /** The trust-proxy value the operator followed the old deploy doc with. */
  let legacy: Server

  beforeAll(async () => {
    s = await listen(await createTestEnv(dialect, { redis, env: { LATCHKEY_TRUST_PROXY: '127.0.0.1' } }))
    legacy = await listen(await createTestEnv(dialect, { redis, env: { LATCHKEY_TRUST_PROXY: 'true' } }))
  })
  afterAll(async () => {
    await s?.env.close()
    await legacy?.env.close()
  })

  it('a parallel burst of 50 wrong passwords gets at most the limit evaluated; the right one is then refused', async () => {
    const email = `burst-${run}@example.com`
    await join(s.env, email, 'member')
    const xff = clientAddress()
    const burst = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        post(s, '/api/v1/session', { email, password: `wrong guess number ${i}` }, xff),
      ),
    )
    // 401 = the guess was verified (argon2 ran); 429 = refused before any hashing.
    expect(count(burst, 401)).toBeLessThanOrEqual(MAX_PER_ACCOUNT)
    expect(count(burst, 401) + count(burst, 429)).toBe(50)
    // The attacker's eleventh guess, even the right one, is refused in this window.
    const right = await post(s, '/api/v1/session', { email, password: PASSWORD }, clientAddress())
    expect(right.status).toBe(429)
  })

  it('a password spray from one address with a forged X-Forwarded-For per guess still meets the per-address limit', async () => {
    for (const server of [s, legacy]) {
      const real = clientAddress()
      // One guess after the other: only the forged header could get the attacker past the limit.
      const spray: { status: number }[] = []
      for (let i = 0; i < MAX_PER_ADDRESS + 10; i++) {
        spray.push(
          await post(
            server,
            '/api/v1/session',
            { email: `spray-${run}-${i}@example.com`, password: 'Winter2026!!' },
            // The attacker's forged entry, then what the proxy appends: their real address.
            `192.0.2.${i}, ${real}`,
          ),
        )
      }
      expect(count(spray, 401)).toBeLessThanOrEqual(MAX_PER_ADDRESS)
      expect(count(spray, 429)).toBeGreaterThanOrEqual(10)
    }
  })

  it('invite acceptance cannot be used to guess an existing account’s password', async () => {
    // An admin of another org invites an existing account and holds the link.
    const email = `invitee-${run}@example.com`
    await join(s.env, email, 'member')
    const orgId = await createOrg(s.env.rt.db.db, `Org ${run}`)
    const workspaceId = await createWorkspace(s.env.rt.db.db, orgId, 'B main')
    const t = await insertToken(s.env.rt.db.db, {
      orgId,
      workspaceId,
      userId: null,
      name: 'b-admin',
      role: 'admin',
      createdBy: 'test',
    })
    const inv = await invite(s.env, email, 'member', { by: { authorization: `Bearer ${t.raw}` } })
    expect(inv.status).toBe(201)
    const guesses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        post(
          s,
          '/api/v1/invites/accept',
          { token: inv.token, password: `guess number ${i}` },
          clientAddress(),
        ),
      ),
    )
    expect(count(guesses, 401)).toBeLessThanOrEqual(Math.min(MAX_PER_INVITE, MAX_PER_ACCOUNT))
    expect(count(guesses, 429)).toBeGreaterThanOrEqual(40)
    // The account's sign-in limit is the same budget: it is spent for this window too.
    const login = await post(s, '/api/v1/session', { email, password: PASSWORD }, clientAddress())
    expect(login.status).toBe(429)
  })

  it('guessing invite tokens from one address is limited', async () => {
    const real = clientAddress()
    const guesses = await Promise.all(
      Array.from({ length: MAX_PER_ADDRESS + 10 }, (_, i) =>
        post(
          s,
          '/api/v1/invites/accept',
          { token: `lki_guess_${run}_${i}_xxxxxxxx`, password: 'a long enough password' },
          `198.51.100.${i}, ${real}`,
        ),
      ),
    )
    expect(count(guesses, 401)).toBeLessThanOrEqual(MAX_PER_ADDRESS)
    expect(count(guesses, 429)).toBeGreaterThanOrEqual(10)
  })
})

describe('LATCHKEY_TRUST_PROXY', () => {
  const trust = (v: string) => loadConfig({ LATCHKEY_TRUST_PROXY: v, LATCHKEY_HOME: '/tmp/lk-unused' })

  it('is off by default, a hop count, or a list of proxy addresses', () => {
    expect(loadConfig({ LATCHKEY_HOME: '/tmp/lk-unused' }).trustProxy).toBe(false)
    expect(trust('false').trustProxy).toBe(false)
    expect(trust('2').trustProxy).toEqual({ hops: 2 })
    expect(trust('127.0.0.1, 10.0.0.0/8,loopback, ::1').trustProxy).toEqual({
      proxies: ['127.0.0.1', '10.0.0.0/8', 'loopback', '::1'],
    })
  })

  it('reads `true` as one hop, with a warning (it used to trust every hop)', () => {
    const c = trust('true')
    expect(c.trustProxy).toEqual({ hops: 1 })
    expect(c.warnings.join(' ')).toMatch(/one proxy hop/)
  })

  it('refuses what is neither, naming the entry', () => {
    expect(() => trust('10.0.0.0/99')).toThrow(/LATCHKEY_TRUST_PROXY: "10.0.0.0\/99" is not a proxy address/)
    expect(() => trust('proxy.internal')).toThrow(/"proxy.internal"/)
    expect(() => trust('100')).toThrow(/at most 16/)
  })
})
