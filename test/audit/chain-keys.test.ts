/**
 * The keyed audit chain across an installation's life: records written before the upgrade
 * verify as legacy records up to the upgrade point and keyed ones after it; the chain key
 * survives a master-key rotation (the next start holds only the new master key).
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { verifyChain } from '../../src/audit/audit-query.js'
import { GENESIS_HASH, hashRecord, recordFromRow } from '../../src/audit/audit-record.js'
import { runMasterKeyRotate } from '../../src/cli/commands/master-key.js'
import type { AuditLogTable } from '../../src/db/tables/audit.js'
import type { Runtime } from '../../src/server/runtime.js'
import { DIALECTS } from '../helpers.js'
import { install } from './install.js'

/** What the release before the keyed chain wrote: SHA-256 chained rows, no MACs, an unsealed head. */
async function writeLegacyChain(rt: Runtime, orgId: string, n: number): Promise<void> {
  let prev = GENESIS_HASH
  const rows: AuditLogTable[] = []
  for (let seq = 1; seq <= n; seq++) {
    const row: AuditLogTable = {
      id: `aud_legacy_${orgId}_${seq}`,
      org_id: orgId,
      seq,
      ts: 1_700_000_000_000 + seq,
      actor: 'usr_old',
      actor_kind: 'user',
      action: 'credential.created',
      target_type: 'credential',
      target_id: `cred_${seq}`,
      credential_id: null,
      workspace_id: null,
      provider: null,
      model: null,
      status: null,
      input_shape: null,
      output_shape: null,
      usage: null,
      cost_usd: null,
      latency_ms: null,
      details: `{"name":"key-${seq}"}`,
      event_id: null,
      prev_hash: prev,
      hash: '',
      mac: null,
    }
    row.hash = hashRecord(recordFromRow(row))
    prev = row.hash
    rows.push(row)
  }
  await rt.db.db.insertInto('audit_log').values(rows).execute()
  await rt.db.db
    .insertInto('audit_heads')
    .values({ org_id: orgId, seq: n, hash: prev, updated_at: Date.now(), keyed_from: null, mac: null })
    .execute()
}

const record = (rt: Runtime, orgId: string, action: string) =>
  rt.db.db
    .transaction()
    .execute((trx) => rt.audit.record(trx, { orgId, actor: 'usr_new', actorKind: 'user', action }))

describe.each(DIALECTS)('keyed audit chain (%s)', (dialect) => {
  it('an upgraded installation: legacy records verify up to the upgrade point, keyed ones after', async () => {
    const inst = await install(dialect)
    const key = { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') }
    try {
      const before = await inst.start(key)
      await writeLegacyChain(before, 'org_old', 5)
      // The legacy head carries no seal: verification refuses it until the upgrade ran.
      expect(await verifyChain(before.db.db, 'org_old', { mac: before.usage.chainMac })).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/not sealed/),
      })
      await before.close()

      // First start after the upgrade seals the chain where it stands, on the record.
      const rt = await inst.start(key)
      const head = await rt.db.db
        .selectFrom('audit_heads')
        .selectAll()
        .where('org_id', '=', 'org_old')
        .executeTakeFirstOrThrow()
      expect(Number(head.keyed_from)).toBe(6)
      const six = await rt.db.db
        .selectFrom('audit_log')
        .selectAll()
        .where('org_id', '=', 'org_old')
        .where('seq', '=', 6)
        .executeTakeFirstOrThrow()
      expect(six).toMatchObject({ action: 'audit.chain_keyed', actor: 'system' })
      expect(six.mac).toMatch(/^[0-9a-f]{64}$/)
      await record(rt, 'org_old', 'token.created')
      const mac = rt.usage.chainMac
      expect(await verifyChain(rt.db.db, 'org_old', { mac })).toMatchObject({ ok: true, count: 7 })

      // A legacy record rewritten (and the SHA-256 chain recomputed) breaks at the first keyed record.
      const rows = await rt.db.db
        .selectFrom('audit_log')
        .selectAll()
        .where('org_id', '=', 'org_old')
        .orderBy('seq')
        .execute()
      let prev = GENESIS_HASH
      for (const r of rows) {
        const changed = r.seq === 2 ? { ...r, actor: 'usr_innocent' } : r
        const hash = hashRecord(recordFromRow({ ...changed, prev_hash: prev }))
        await rt.db.db
          .updateTable('audit_log')
          .set({ actor: changed.actor, prev_hash: prev, hash })
          .where('id', '=', r.id)
          .execute()
        prev = hash
      }
      await rt.db.db.updateTable('audit_heads').set({ hash: prev }).where('org_id', '=', 'org_old').execute()
      expect(await verifyChain(rt.db.db, 'org_old', { mac })).toMatchObject({ ok: false, brokenAt: 6 })
    } finally {
      await inst.drop()
    }
  })

  it('a database writer cannot pass a keyed chain off as legacy', async () => {
    const inst = await install(dialect)
    try {
      const rt = await inst.start({ LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') })
      for (let i = 0; i < 4; i++) await record(rt, 'org_new', 'member.invited')
      const mac = rt.usage.chainMac
      expect(await verifyChain(rt.db.db, 'org_new', { mac })).toMatchObject({ ok: true, count: 4 })
      // Strip every MAC and the head's seal: the chain now looks like one written before the upgrade.
      await rt.db.db.updateTable('audit_log').set({ mac: null }).where('org_id', '=', 'org_new').execute()
      await rt.db.db
        .updateTable('audit_heads')
        .set({ keyed_from: null, mac: null })
        .where('org_id', '=', 'org_new')
        .execute()
      expect(await verifyChain(rt.db.db, 'org_new', { mac })).toMatchObject({ ok: false })
      // Or claim the keyed part starts later than it does: the head's MAC covers where it starts.
      await rt.db.db
        .updateTable('audit_heads')
        .set({ keyed_from: 99 })
        .where('org_id', '=', 'org_new')
        .execute()
      expect(await verifyChain(rt.db.db, 'org_new', { mac })).toMatchObject({ ok: false })
    } finally {
      await inst.drop()
    }
  })

  it('the chain key survives a master-key rotation: the next start with only the new key verifies', async () => {
    const inst = await install(dialect)
    const k1 = randomBytes(32).toString('base64')
    const k2 = randomBytes(32).toString('base64')
    try {
      const rt = await inst.start({ LATCHKEY_MASTER_KEY: `${k1},${k2}` })
      for (let i = 0; i < 3; i++) await record(rt, 'org_rot', 'settings.changed')
      const file = path.join(inst.home, 'new.key')
      fs.writeFileSync(file, `${k2}\n`, { mode: 0o600 })
      const out = { stdout: '', stderr: '' }
      await runMasterKeyRotate(
        { newKeyFile: file },
        {
          stdout: { write: (s: string) => (out.stdout += s) },
          stderr: { write: (s: string) => (out.stderr += s), isTTY: false },
          env: inst.env({ LATCHKEY_MASTER_KEY: k1 }),
        },
      )
      await rt.close()
      const after = await inst.start({ LATCHKEY_MASTER_KEY: k2 })
      await record(after, 'org_rot', 'settings.changed')
      const res = await verifyChain(after.db.db, 'org_rot', { mac: after.usage.chainMac })
      expect(res).toMatchObject({ ok: true })
      // Three records before, the rotation's own audit record, one after.
      expect(res.ok && res.count).toBeGreaterThanOrEqual(4)
    } finally {
      await inst.drop()
    }
  })
})
