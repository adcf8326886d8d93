/**
 * Issue 15, path 11: a budget's `alertUrl` is often a secret webhook (Slack, Teams, a token in
 * the path), so only those who manage budgets may read it. Played over real HTTP: a member and
 * an auditor list budgets and read the audit log; the canary in the URL must reach neither.
 */
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'

const CANARY = `T0CANARY${Math.random().toString(36).slice(2, 10)}`
const ALERT_URL = `https://hooks.example.com/services/${CANARY}`

describe.each(DIALECTS)('budget alert URLs (%s)', (dialect) => {
  let env: TestEnv
  let url: string
  const get = async (path: string, role: 'owner' | 'admin' | 'member' | 'auditor') => {
    const r = await fetch(`${url}${path}`, { headers: env.auth(role) })
    return { status: r.status, text: await r.text() }
  }

  beforeAll(async () => {
    env = await createTestEnv(dialect)
    await env.app.listen({ host: '127.0.0.1', port: 0 })
    url = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`
    const r = await fetch(`${url}/api/v1/budgets`, {
      method: 'POST',
      headers: { ...env.auth('admin'), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'org month', limitUsd: 100, alertUrl: ALERT_URL }),
    })
    expect(r.status, await r.clone().text()).toBe(201)
    expect(((await r.json()) as { alertUrl: string }).alertUrl).toBe(ALERT_URL)
  })
  afterAll(async () => {
    await env?.close()
  })

  it('members and auditors see that a budget alerts, never where to', async () => {
    for (const role of ['member', 'auditor'] as const) {
      const r = await get('/api/v1/budgets', role)
      expect(r.status).toBe(200)
      expect(r.text).not.toContain(CANARY)
      const [b] = (JSON.parse(r.text) as { data: Record<string, unknown>[] }).data
      expect(b).toMatchObject({ name: 'org month', alerts: true })
      expect(b).not.toHaveProperty('alertUrl')
    }
    const audit = await get('/api/v1/audit?limit=100', 'auditor')
    expect(audit.status).toBe(200)
    expect(audit.text).not.toContain(CANARY)
  })

  it('those who manage budgets read the URL', async () => {
    for (const role of ['owner', 'admin'] as const) {
      const r = await get('/api/v1/budgets', role)
      const [b] = (JSON.parse(r.text) as { data: Record<string, unknown>[] }).data
      expect(b).toMatchObject({ alertUrl: ALERT_URL, alerts: true })
    }
  })
})
