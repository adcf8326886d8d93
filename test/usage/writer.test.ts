import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyChain } from '../../src/audit/audit-query.js'
import { usageOptions } from '../../src/usage/setup.js'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'
import { callEvent } from './fixtures.js'

describe.each(DIALECTS)('usage writer (%s)', (dialect) => {
  let env: TestEnv
  beforeAll(async () => {
    env = await createTestEnv(dialect)
  })
  afterAll(async () => {
    await env?.close()
  })

  it('writes every emitted event once, with one shape-only audit record each', async () => {
    const orgId = `org_w_${Math.random().toString(36).slice(2, 8)}`
    for (let i = 0; i < 1200; i++) env.rt.calls.emit(callEvent(orgId))
    expect(await env.rt.usage.writer.flush()).toBe(true)
    const db = env.rt.db.db
    const n = await db
      .selectFrom('usage_records')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow()
    expect(Number(n.n)).toBe(1200)
    expect(await verifyChain(db, orgId, { mac: env.rt.usage.chainMac })).toMatchObject({
      ok: true,
      count: 1200,
    })
    const a = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('seq', '=', 1)
      .executeTakeFirstOrThrow()
    expect(a.action).toBe('gateway.call')
    expect(JSON.parse(a.input_shape!)).toEqual({
      messages: 2,
      chars: 120,
      params: ['temperature'],
      roles: { system: 1, user: 1 },
    })
    // The journal keeps nothing once the database has everything.
    expect(env.rt.usage.writer.depth).toBe(0)
  })

  it('journals while the database fails and replays exactly once when it recovers', async () => {
    const orgId = `org_j_${Math.random().toString(36).slice(2, 8)}`
    const db = env.rt.db.db
    // Break writes: rename the table out from under the writer.
    await db.schema.alterTable('usage_records').renameTo('usage_records_away').execute()
    try {
      for (let i = 0; i < 300; i++) env.rt.calls.emit(callEvent(orgId))
      expect(await env.rt.usage.writer.flush(1500)).toBe(false)
      expect(env.rt.usage.writer.errors).toBeGreaterThan(0)
      expect(env.rt.usage.writer.journal.bytes).toBeGreaterThan(0)
    } finally {
      await db.schema.alterTable('usage_records_away').renameTo('usage_records').execute()
    }
    expect(await env.rt.usage.writer.flush()).toBe(true)
    const n = await db
      .selectFrom('usage_records')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow()
    expect(Number(n.n)).toBe(300)
    expect(await verifyChain(db, orgId, { mac: env.rt.usage.chainMac })).toMatchObject({
      ok: true,
      count: 300,
    })
  })

  it('adopts the journal of a dead process while running; a torn last line is skipped', async () => {
    const orgId = `org_o_${Math.random().toString(36).slice(2, 8)}`
    const dead = path.join(env.home, 'journal', 'wr_dead')
    fs.mkdirSync(dead, { recursive: true })
    fs.writeFileSync(path.join(dead, 'owner'), '999999999')
    const lines = [1, 2, 3].map((i) =>
      JSON.stringify({ id: `use_orphan_${orgId}_${i}`, e: callEvent(orgId) }),
    )
    fs.writeFileSync(path.join(dead, '000001.jsonl'), `${lines.join('\n')}\n{"id":"use_torn","e":{"orgI`)
    expect(env.rt.usage.writer.journal.adoptOrphans()).toBe(1)
    expect(await env.rt.usage.writer.flush()).toBe(true)
    const db = env.rt.db.db
    const rows = await db.selectFrom('usage_records').select('id').where('org_id', '=', orgId).execute()
    expect(rows.map((r) => r.id).sort()).toEqual([1, 2, 3].map((i) => `use_orphan_${orgId}_${i}`))
    expect(fs.existsSync(dead)).toBe(false)
    expect(await verifyChain(db, orgId, { mac: env.rt.usage.chainMac })).toMatchObject({ ok: true, count: 3 })
  })

  it('spills to the journal beyond the queue bound, rotates segments and reads back in order', async () => {
    usageOptions.writer = { queueMax: 100, segmentBytes: 64 * 1024 }
    const small = await createTestEnv(dialect).finally(() => {
      usageOptions.writer = undefined
    })
    try {
      const orgId = `org_s_${Math.random().toString(36).slice(2, 8)}`
      const w = small.rt.usage.writer
      const db = small.rt.db.db
      await db.schema.alterTable('usage_records').renameTo('usage_records_away').execute()
      try {
        for (let i = 0; i < 2000; i++) w.emit(callEvent(orgId, { latencyMs: i }))
        expect(w.depth).toBe(2000)
      } finally {
        await db.schema.alterTable('usage_records_away').renameTo('usage_records').execute()
      }
      expect(await w.flush()).toBe(true)
      const rows = await db
        .selectFrom('usage_records')
        .select(['latency_ms'])
        .where('org_id', '=', orgId)
        .execute()
      expect(new Set(rows.map((r) => Number(r.latency_ms))).size).toBe(2000)
      expect(await verifyChain(db, orgId, { mac: small.rt.usage.chainMac })).toMatchObject({
        ok: true,
        count: 2000,
      })
      const files = fs.readdirSync(path.join(small.home, 'journal'), { recursive: true })
      expect(files.filter((f) => String(f).endsWith('.jsonl')).length).toBe(1) // only the active segment
    } finally {
      await small.close()
    }
  })
})
