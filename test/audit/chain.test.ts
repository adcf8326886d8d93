import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditEventRecord, ChainAuditWriter } from '../../src/audit/audit-log.js'
import { verifyChain } from '../../src/audit/audit-query.js'
import { chainRecords } from '../../src/audit/chain.js'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'

describe.each(DIALECTS)('audit hash chain (%s)', (dialect) => {
  let env: TestEnv
  let writer: ChainAuditWriter
  beforeAll(async () => {
    env = await createTestEnv(dialect)
    writer = new ChainAuditWriter(env.rt.usage.chainMac)
  })
  afterAll(async () => {
    await env?.close()
  })

  async function freshOrg(): Promise<string> {
    const orgId = `org_chain_${Math.random().toString(36).slice(2, 10)}`
    for (let i = 0; i < 5; i++) {
      await env.rt.db.db.transaction().execute((trx) =>
        writer.record(trx, {
          orgId,
          actor: 'usr_1',
          actorKind: 'user',
          action: 'credential.created',
          targetType: 'credential',
          targetId: `cred_${i}`,
          details: { name: `key-${i}` },
        }),
      )
    }
    return orgId
  }

  it('verifies an intact chain with strictly increasing sequence numbers', async () => {
    const orgId = await freshOrg()
    expect(await verifyChain(env.rt.db.db, orgId, { mac: env.rt.usage.chainMac })).toMatchObject({
      ok: true,
      count: 5,
    })
    const seqs = await env.rt.db.db
      .selectFrom('audit_log')
      .select('seq')
      .where('org_id', '=', orgId)
      .orderBy('seq')
      .execute()
    expect(seqs.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5])
  })

  it('a rolled-back change leaves no audit record and no gap', async () => {
    const orgId = await freshOrg()
    await expect(
      env.rt.db.db.transaction().execute(async (trx) => {
        await writer.record(trx, { orgId, actor: 'u', actorKind: 'user', action: 'token.created' })
        throw new Error('change failed')
      }),
    ).rejects.toThrow('change failed')
    expect(await verifyChain(env.rt.db.db, orgId, { mac: env.rt.usage.chainMac })).toMatchObject({
      ok: true,
      count: 5,
    })
  })

  it('detects a modified record', async () => {
    const orgId = await freshOrg()
    await env.rt.db.db
      .updateTable('audit_log')
      .set({ target_id: 'cred_evil' })
      .where('org_id', '=', orgId)
      .where('seq', '=', 3)
      .execute()
    expect(await verifyChain(env.rt.db.db, orgId, { mac: env.rt.usage.chainMac })).toMatchObject({
      ok: false,
      brokenAt: 3,
    })
  })

  it('detects a deleted record', async () => {
    const orgId = await freshOrg()
    await env.rt.db.db.deleteFrom('audit_log').where('org_id', '=', orgId).where('seq', '=', 2).execute()
    expect(await verifyChain(env.rt.db.db, orgId, { mac: env.rt.usage.chainMac })).toMatchObject({
      ok: false,
      brokenAt: 2,
    })
  })

  it('detects reordered records (sequence numbers swapped)', async () => {
    const orgId = await freshOrg()
    const db = env.rt.db.db
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('audit_log')
        .set({ seq: -4 })
        .where('org_id', '=', orgId)
        .where('seq', '=', 4)
        .execute()
      await trx
        .updateTable('audit_log')
        .set({ seq: 4 })
        .where('org_id', '=', orgId)
        .where('seq', '=', 3)
        .execute()
      await trx
        .updateTable('audit_log')
        .set({ seq: 3 })
        .where('org_id', '=', orgId)
        .where('seq', '=', -4)
        .execute()
    })
    expect(await verifyChain(db, orgId, { mac: env.rt.usage.chainMac })).toMatchObject({
      ok: false,
      brokenAt: 3,
    })
  })

  it('detects a truncated tail through the head row, and through a checkpoint anchor', async () => {
    const orgId = await freshOrg()
    const db = env.rt.db.db
    const last = await db
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .where('org_id', '=', orgId)
      .where('seq', '=', 5)
      .executeTakeFirstOrThrow()
    await db.deleteFrom('audit_log').where('org_id', '=', orgId).where('seq', '=', 5).execute()
    expect(await verifyChain(db, orgId, { mac: env.rt.usage.chainMac })).toMatchObject({
      ok: false,
      brokenAt: 5,
    })
    // An attacker who also rewinds the head cannot MAC it (the chain key needs the master key),
    // and a checkpoint anchor catches the truncation as well.
    const four = await db
      .selectFrom('audit_log')
      .select('hash')
      .where('org_id', '=', orgId)
      .where('seq', '=', 4)
      .executeTakeFirstOrThrow()
    await db.updateTable('audit_heads').set({ seq: 4, hash: four.hash }).where('org_id', '=', orgId).execute()
    expect(await verifyChain(db, orgId, { mac: env.rt.usage.chainMac })).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringMatching(/head MAC/),
    })
    expect(
      await verifyChain(db, orgId, {
        mac: env.rt.usage.chainMac,
        anchors: [{ seq: Number(last.seq), hash: last.hash }],
      }),
    ).toMatchObject({
      ok: false,
      brokenAt: 5,
    })
  })

  it('concurrent appenders never fork the chain', async () => {
    const orgId = `org_conc_${Math.random().toString(36).slice(2, 10)}`
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        env.rt.db.db
          .transaction()
          .execute((trx) =>
            writer.record(trx, { orgId, actor: `a${i}`, actorKind: 'system', action: 'settings.changed' }),
          ),
      ),
    )
    expect(await verifyChain(env.rt.db.db, orgId, { mac: env.rt.usage.chainMac })).toMatchObject({
      ok: true,
      count: 40,
    })
    const n = await sql<{
      n: number
    }>`select count(distinct seq) as n from audit_log where org_id = ${orgId}`.execute(env.rt.db.db)
    expect(Number(n.rows[0]!.n)).toBe(40)
  })

  it('a record committed after verification read the head (a concurrent append) does not read as truncated', async () => {
    const orgId = await freshOrg()
    const db = env.rt.db.db
    const mac = env.rt.usage.chainMac
    const head = await db
      .selectFrom('audit_heads')
      .selectAll()
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow()
    const entry = auditEventRecord({ orgId, actor: 'usr_2', actorKind: 'user', action: 'token.created' })
    // What an appender on another instance commits between the head read and the record scan.
    const { rows } = chainRecords(orgId, Number(head.seq), head.hash, [entry], mac)
    await db.insertInto('audit_log').values(rows).execute()
    expect(await verifyChain(db, orgId, { mac })).toMatchObject({ ok: true, count: 6 })
    // A record beyond the head without the key's MAC is not one.
    await db
      .updateTable('audit_log')
      .set({ mac: 'f'.repeat(64) })
      .where('id', '=', rows[0]!.id)
      .execute()
    expect(await verifyChain(db, orgId, { mac })).toMatchObject({
      ok: false,
      brokenAt: 6,
      reason: expect.stringMatching(/record MAC/),
    })
  })
})
