import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HashedAuditRecord } from '../../src/audit/audit-record.js'
import { ChainVerifier } from '../../src/audit/verify-records.js'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'
import { callEvent } from '../usage/fixtures.js'

describe.each(DIALECTS)('audit API (%s)', (dialect) => {
  let env: TestEnv
  beforeAll(async () => {
    env = await createTestEnv(dialect)
    const t0 = Date.UTC(2026, 0, 1)
    for (let i = 0; i < 25; i++) {
      env.rt.calls.emit(
        callEvent(env.orgId, {
          ts: t0 + i * 1000,
          model: i % 2 ? 'gpt-4o' : 'gpt-4o-mini',
          credentialId: i < 5 ? 'cred_a' : 'cred_b',
        }),
      )
    }
    await env.rt.usage.writer.flush()
    // A management event through a real route (token creation is audited in its transaction).
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: env.auth('owner'),
      payload: { name: 'ci' },
    })
    expect(res.statusCode).toBe(201)
  })
  afterAll(async () => {
    await env?.close()
  })

  const get = (url: string, role: 'owner' | 'admin' | 'member' | 'auditor' = 'auditor') =>
    env.app.inject({ method: 'GET', url, headers: env.auth(role) })

  it('lists newest first with cursor paging and filters', async () => {
    const first = await get('/api/v1/audit?limit=10')
    expect(first.statusCode).toBe(200)
    const page1 = first.json() as { data: HashedAuditRecord[]; nextCursor: string }
    expect(page1.data).toHaveLength(10)
    expect(page1.data[0]!.seq).toBeGreaterThan(page1.data[9]!.seq)
    const second = (await get(`/api/v1/audit?limit=10&after=${page1.nextCursor}`)).json() as {
      data: HashedAuditRecord[]
    }
    expect(second.data[0]!.seq).toBe(page1.data[9]!.seq - 1)
    const row = page1.data.find((r) => r.action === 'gateway.call')!
    for (const k of [
      'id',
      'ts',
      'actor',
      'action',
      'credentialId',
      'provider',
      'model',
      'status',
      'inputShape',
      'outputShape',
      'usage',
      'costUsd',
      'latencyMs',
      'prevHash',
      'hash',
    ]) {
      expect(row).toHaveProperty(k)
    }
    const byCred = (await get('/api/v1/audit?credentialId=cred_a&limit=100')).json()
      .data as HashedAuditRecord[]
    expect(byCred).toHaveLength(5)
    const byModel = (await get('/api/v1/audit?model=gpt-4o&action=gateway.call&limit=100')).json()
      .data as HashedAuditRecord[]
    expect(byModel.every((r) => r.model === 'gpt-4o')).toBe(true)
    const byTime = (
      await get(`/api/v1/audit?from=${Date.UTC(2026, 0, 1, 0, 0, 10)}&to=2026-01-01T00:00:15Z&limit=100`)
    ).json().data
    expect(byTime).toHaveLength(5)
    const tokens = (await get('/api/v1/audit?action=token.created')).json().data as HashedAuditRecord[]
    expect(tokens).toHaveLength(1)
  })

  it('verifies; the export is JSONL with hashes that verifies offline', async () => {
    expect((await get('/api/v1/audit/verify')).json()).toMatchObject({ ok: true, count: 26 })
    const exp = await get('/api/v1/audit/export')
    expect(exp.headers['content-type']).toContain('application/x-ndjson')
    const lines = exp.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as HashedAuditRecord)
    expect(lines).toHaveLength(26)
    const v = new ChainVerifier()
    for (const r of lines) v.push(r)
    expect(v.result()).toMatchObject({ ok: true, count: 26 })
    // A tampered export line fails offline verification at that record.
    const tampered = lines.map((r) => (r.seq === 7 ? { ...r, costUsd: 0 } : r))
    const v2 = new ChainVerifier()
    for (const r of tampered) v2.push(r)
    expect(v2.result()).toMatchObject({ ok: false, brokenAt: 7 })
  })

  it('verify takes a checkpoint anchor; a bad anchor is 400', async () => {
    const head = (await get('/api/v1/audit?limit=1')).json().data[0] as HashedAuditRecord
    expect(
      (await get(`/api/v1/audit/verify?anchorSeq=${head.seq}&anchorHash=${head.hash}`)).json(),
    ).toMatchObject({ ok: true })
    expect(
      (await get(`/api/v1/audit/verify?anchorSeq=${head.seq}&anchorHash=${'0'.repeat(64)}`)).json(),
    ).toMatchObject({ ok: false, brokenAt: head.seq })
    expect((await get('/api/v1/audit/verify?anchorSeq=3')).statusCode).toBe(400)
  })

  it('members may not read the audit log; auditors, admins and owners may', async () => {
    expect((await get('/api/v1/audit', 'member')).statusCode).toBe(403)
    expect((await get('/api/v1/audit/verify', 'member')).statusCode).toBe(403)
    expect((await get('/api/v1/audit/export', 'member')).statusCode).toBe(403)
    for (const role of ['auditor', 'admin', 'owner'] as const)
      expect((await get('/api/v1/audit?limit=1', role)).statusCode).toBe(200)
  })
})
