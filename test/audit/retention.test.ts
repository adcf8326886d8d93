/**
 * Retention (issue 17): the leader prunes usage rows and the oldest audit records past the
 * configured age, leaving a prune point sealed with the chain key and a signed checkpoint, so
 * the remaining chain verifies from its new start — and a pruned chain that is then tampered
 * with (a record changed, the start moved, the prune point deleted) still fails. The clock is
 * the runtime's manual clock: no sleeps.
 */
import { Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { CheckpointVerifier } from '../../src/audit/checkpoint-signer.js'
import { verifyExport } from '../../src/cli/commands/audit.js'
import { loadConfig } from '../../src/config/config.js'
import { createTestEnv, DIALECTS, manualClock, type TestEnv } from '../helpers.js'
import { callEvent } from '../usage/fixtures.js'

const DAY = 86_400_000

describe('retention settings', () => {
  it('keeps everything by default and refuses ages under a day', () => {
    const c = loadConfig({})
    expect(c.usageRetentionMs).toBeNull()
    expect(c.auditRetentionMs).toBeNull()
    expect(loadConfig({ LATCHKEY_AUDIT_RETENTION: '400d' }).auditRetentionMs).toBe(400 * DAY)
    expect(loadConfig({ LATCHKEY_USAGE_RETENTION: 'forever' }).usageRetentionMs).toBeNull()
    expect(() => loadConfig({ LATCHKEY_AUDIT_RETENTION: '2h' })).toThrow(
      /LATCHKEY_AUDIT_RETENTION.*at least 1d/,
    )
  })
})

describe.each(DIALECTS)('retention (%s)', (dialect) => {
  let env: TestEnv | undefined
  afterEach(async () => {
    await env?.close()
    env = undefined
  })

  it('prunes old usage rows and audit records; the rest of the chain still verifies, tampering still fails', async () => {
    const clock = manualClock()
    env = await createTestEnv(dialect, {
      env: { LATCHKEY_USAGE_RETENTION: '30d', LATCHKEY_AUDIT_RETENTION: '30d' },
      runtime: { clock },
    })
    const { rt, orgId } = env
    const db = rt.db.db
    const verify = async () =>
      (
        await env!.app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: env!.auth('auditor') })
      ).json() as { ok: boolean; reason?: string; count: number; prunedThrough?: number }

    for (let i = 0; i < 10; i++) rt.calls.emit(callEvent(orgId, { ts: clock() }))
    await rt.usage.writer.flush()
    await rt.usage.checkpoints.tick()
    const oldHead = await db
      .selectFrom('audit_heads')
      .select('seq')
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow()
    const cut = Number(oldHead.seq)

    clock.advance(60 * DAY)
    for (let i = 0; i < 5; i++) rt.calls.emit(callEvent(orgId, { ts: clock() }))
    await rt.usage.writer.flush()
    await rt.usage.checkpoints.tick()
    const head = Number(
      (await db.selectFrom('audit_heads').select('seq').where('org_id', '=', orgId).executeTakeFirstOrThrow())
        .seq,
    )

    const result = await rt.usage.retention()
    expect(result.usageDeleted).toBe(10)
    expect(result.audit).toEqual([{ orgId, through: cut, deleted: cut }])
    expect(await db.selectFrom('usage_records').select('id').execute()).toHaveLength(5)
    const left = await db
      .selectFrom('audit_log')
      .select('seq')
      .where('org_id', '=', orgId)
      .orderBy('seq')
      .execute()
    expect(left.map((r) => Number(r.seq))).toEqual(Array.from({ length: head - cut }, (_, i) => cut + 1 + i))

    // The rest verifies from its new start, against the signed checkpoints (older ones included).
    expect(await verify()).toMatchObject({ ok: true, count: head - cut, prunedThrough: cut })
    // A second pass has nothing to do.
    expect(await rt.usage.retention()).toEqual({ usageDeleted: 0, audit: [] })

    // Offline: an export of the pruned chain verifies from the signed prune checkpoint only.
    const exported = await env.app.inject({
      method: 'GET',
      url: '/api/v1/audit/export',
      headers: env.auth('auditor'),
    })
    const verifier = CheckpointVerifier.fromPublicKey(rt.usage.checkpoints.signer.publicKey)
    const text = (await rt.usage.checkpoints.read()).ok
      ? (await import('node:fs')).readFileSync(rt.usage.checkpoints.file, 'utf8')
      : ''
    expect(await verifyExport(Readable.from([exported.body]), { text, verifier })).toMatchObject({
      ok: true,
      prunedThrough: cut,
    })
    expect(await verifyExport(Readable.from([exported.body]))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/pass the checkpoint file/),
    })

    // Tampering after the prune: a remaining record changed...
    const first = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('seq', '=', cut + 1)
      .executeTakeFirstOrThrow()
    await db.updateTable('audit_log').set({ model: 'forged' }).where('id', '=', first.id).execute()
    expect(await verify()).toMatchObject({ ok: false, reason: expect.stringMatching(/modified/) })
    // ...and retention refuses to prune (and so launder) a broken chain.
    clock.advance(60 * DAY)
    expect((await rt.usage.retention()).audit).toEqual([])
    await db.updateTable('audit_log').set({ model: first.model }).where('id', '=', first.id).execute()
    expect(await verify()).toMatchObject({ ok: true })

    // The start moved by a database writer (one more record deleted, the point rewritten).
    const point = await db
      .selectFrom('audit_prune_points')
      .selectAll()
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow()
    await db.deleteFrom('audit_log').where('id', '=', first.id).execute()
    await db
      .updateTable('audit_prune_points')
      .set({ seq: cut + 1, hash: first.hash })
      .where('org_id', '=', orgId)
      .execute()
    expect(await verify()).toMatchObject({ ok: false, reason: expect.stringMatching(/prune point MAC/) })

    // The prune point deleted: the chain no longer starts anywhere it may.
    await db.deleteFrom('audit_prune_points').where('org_id', '=', orgId).execute()
    expect(await verify()).toMatchObject({ ok: false, reason: expect.stringMatching(/record 1 is missing/) })

    // Put back as it was (a database writer cannot forge a MAC, only restore a copy): verifies.
    await db.insertInto('audit_prune_points').values(point).execute()
    await db.insertInto('audit_log').values(first).execute()
    expect(await verify()).toMatchObject({ ok: true, prunedThrough: cut })
  })

  it('keeps everything when no retention age is set', async () => {
    const clock = manualClock()
    env = await createTestEnv(dialect, { runtime: { clock } })
    for (let i = 0; i < 3; i++) env.rt.calls.emit(callEvent(env.orgId, { ts: clock() }))
    await env.rt.usage.writer.flush()
    clock.advance(10_000 * DAY)
    expect(await env.rt.usage.retention()).toEqual({ usageDeleted: 0, audit: [] })
    expect(await env.rt.db.db.selectFrom('usage_records').select('id').execute()).toHaveLength(3)
  })
})
