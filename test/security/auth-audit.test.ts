/**
 * Issue 15, path 10: authentication and key uses are on the audit record, by shape only.
 * Sign-in (password and access token), failed sign-in, sign-out, `POST /credentials/:id/test`
 * and `/v1/messages/count_tokens` each leave a record; none holds a password, the typed email,
 * a provider key or prompt text (canaries). Secret uses (`secret.used`) are covered by
 * workflow-secrets.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'
import { type Attacker, startAttacker } from './attacker.js'
import { join, PASSWORD, sessionHeaders, signIn } from './security-helpers.js'

const WRONG_PASSWORD = 'canary-wrong-password-5f1c9e'
const UNKNOWN_EMAIL = 'canary-nobody-7d3a@example.com'
const KEY = 'sk-ant-canary-key-00000000000000000000000000'
const PROMPT = 'canary prompt text 9b2e41'

interface Rec {
  seq: number
  actor: string
  action: string
  credentialId: string | null
  status: string | null
  details: Record<string, unknown> | null
}

describe.each(DIALECTS)('authentication and key uses are audited by shape (%s)', (dialect) => {
  let env: TestEnv
  let upstream: Attacker
  let credId: string
  const email = 'audited-member@example.com'
  let userId: string

  beforeAll(async () => {
    env = await createTestEnv(dialect)
    upstream = await startAttacker({ input_tokens: 12, data: [] })
    const member = await join(env, email, 'member')
    userId = member.userId
    const c = await env.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: env.auth('admin'),
      payload: { name: 'claude', provider: 'anthropic', apiKey: KEY, baseUrl: upstream.origin, scope: 'org' },
    })
    expect(c.statusCode, c.body).toBe(201)
    credId = c.json().id
  })
  afterAll(async () => {
    await upstream?.close()
    await env?.close()
  })

  async function records(action: string): Promise<Rec[]> {
    const r = await env.app.inject({
      method: 'GET',
      url: `/api/v1/audit?action=${encodeURIComponent(action)}&limit=100`,
      headers: env.auth('auditor'),
    })
    expect(r.statusCode, r.body).toBe(200)
    return r.json().data as Rec[]
  }

  /** Records written after the answer (failed sign-in, call records) appear shortly after it. */
  async function eventually(action: string, n = 1): Promise<Rec[]> {
    for (let i = 0; i < 200; i++) {
      await env.rt.usage.writer.flush()
      const found = await records(action)
      if (found.length >= n) return found
      await new Promise((r) => setTimeout(r, 25))
    }
    throw new Error(`no ${action} record appeared`)
  }

  async function exportText(): Promise<string> {
    const r = await env.app.inject({
      method: 'GET',
      url: '/api/v1/audit/export',
      headers: env.auth('auditor'),
    })
    return r.body
  }

  it('sign-in with a password, failed sign-in and sign-out are audited; no password or typed email', async () => {
    const ok = await signIn(env, email)
    expect(ok.statusCode, ok.body).toBe(200)
    const [inRec] = await records('auth.sign_in')
    expect(inRec).toMatchObject({ actor: userId, details: { method: 'password' } })

    const bad = await signIn(env, email, WRONG_PASSWORD)
    expect(bad.statusCode).toBe(401)
    const [failed] = await eventually('auth.sign_in_failed')
    expect(failed).toMatchObject({ actor: userId, details: { method: 'password', reason: 'wrong_password' } })

    // An email no account has belongs to no org's log; it is not recorded anywhere.
    expect((await signIn(env, UNKNOWN_EMAIL, WRONG_PASSWORD)).statusCode).toBe(401)

    const out = await env.app.inject({
      method: 'DELETE',
      url: '/api/v1/session',
      headers: sessionHeaders(ok),
    })
    expect(out.statusCode, out.body).toBe(204)
    const [outRec] = await records('auth.sign_out')
    expect(outRec).toMatchObject({ actor: userId })

    const all = await exportText()
    for (const canary of [PASSWORD, WRONG_PASSWORD, UNKNOWN_EMAIL, email]) expect(all).not.toContain(canary)
  })

  it('sign-in with an access token is audited as the token', async () => {
    const r = await env.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { token: env.tokens.member },
    })
    expect(r.statusCode, r.body).toBe(200)
    const recs = await records('auth.sign_in')
    expect(recs.some((x) => x.details?.method === 'token')).toBe(true)
    expect(await exportText()).not.toContain(env.tokens.member)
  })

  it('a key test is audited with its outcome, never the key', async () => {
    const r = await env.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${credId}/test`,
      headers: env.auth('admin'),
    })
    expect(r.statusCode, r.body).toBe(200)
    const [rec] = await records('credential.tested')
    expect(rec).toMatchObject({ credentialId: credId, details: { provider: 'anthropic' } })
    expect(typeof rec!.details!.ok).toBe('boolean')
    expect(await exportText()).not.toContain(KEY)
  })

  it('count_tokens calls are audited by shape, never the prompt', async () => {
    const r = await env.app.inject({
      method: 'POST',
      url: '/v1/messages/count_tokens',
      headers: env.auth('member'),
      payload: { model: 'claude/claude-sonnet-4-5', messages: [{ role: 'user', content: PROMPT }] },
    })
    expect(r.statusCode, r.body).toBe(200)
    expect(upstream.requests.some((q) => q.url.endsWith('/v1/messages/count_tokens'))).toBe(true)
    const calls = await eventually('gateway.call')
    const rec = calls.find((c) => c.details?.endpoint === 'count_tokens')
    expect(rec).toMatchObject({ credentialId: credId, status: 'ok' })
    const all = await exportText()
    expect(all).not.toContain(PROMPT)
    expect(all).not.toContain(KEY)
  })
})
