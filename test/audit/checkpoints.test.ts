/**
 * Signed checkpoints outside the database: written by the leader only, never for a head that
 * lost its MAC, and a chain that has one is never re-sealed as legacy at the next start.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { verifyChain } from '../../src/audit/audit-query.js'
import type { Runtime } from '../../src/server/runtime.js'
import { DIALECTS, PG_URL } from '../helpers.js'
import { install } from './install.js'

const record = (rt: Runtime, orgId: string) =>
  rt.db.db
    .transaction()
    .execute((trx) =>
      rt.audit.record(trx, { orgId, actor: 'usr_1', actorKind: 'user', action: 'token.created' }),
    )

const linesOf = (file: string) =>
  fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { orgId: string; seq: number; sig: string })
    : []

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (cond()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe.each(DIALECTS)('audit checkpoints (%s)', (dialect) => {
  it('a head without its MAC is not checkpointed; a keyed chain with a checkpoint is never re-sealed as legacy', async () => {
    const inst = await install(dialect)
    const key = { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') }
    const file = path.join(inst.home, 'audit-checkpoints.jsonl')
    try {
      const rt = await inst.start(key)
      for (let i = 0; i < 3; i++) await record(rt, 'org_cp')
      await rt.usage.checkpoints.tick()
      // The leader's periodic job may have written earlier heads too: the last line is the head now.
      const written = linesOf(file)
      expect(written.at(-1)).toMatchObject({ orgId: 'org_cp', seq: 3 })
      expect(fs.statSync(file).mode & 0o777).toBe(0o600)

      // A database writer strips the head's seal (to have the chain sealed again as legacy).
      await record(rt, 'org_cp')
      await rt.db.db
        .updateTable('audit_heads')
        .set({ keyed_from: null, mac: null })
        .where('org_id', '=', 'org_cp')
        .execute()
      expect(await rt.usage.checkpoints.tick()).toBe(0)
      expect(linesOf(file)).toHaveLength(written.length)
      await rt.close()

      const again = await inst.start(key)
      const keyed = await again.db.db
        .selectFrom('audit_log')
        .select('seq')
        .where('org_id', '=', 'org_cp')
        .where('action', '=', 'audit.chain_keyed')
        .execute()
      expect(keyed).toEqual([])
      expect(await again.usage.checkpoints.verify('org_cp')).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/not sealed/),
      })
    } finally {
      await inst.drop()
    }
  })
})

describe.runIf(PG_URL)('audit checkpoints with several instances (postgres)', () => {
  it('only the leader writes checkpoints', async () => {
    const inst = await install('postgres')
    const shared = {
      LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64'),
      LATCHKEY_AUDIT_CHECKPOINT_INTERVAL: '100ms',
    }
    const fileA = path.join(inst.home, 'a', 'checkpoints.jsonl')
    const fileB = path.join(inst.home, 'b', 'checkpoints.jsonl')
    try {
      const a = await inst.start({ ...shared, LATCHKEY_AUDIT_CHECKPOINT_FILE: fileA })
      const b = await inst.start({ ...shared, LATCHKEY_AUDIT_CHECKPOINT_FILE: fileB })
      expect([a.leader.isLeader, b.leader.isLeader].filter(Boolean)).toHaveLength(1)
      const [leaderFile, otherFile] = a.leader.isLeader ? [fileA, fileB] : [fileB, fileA]
      for (let i = 0; i < 2; i++) await record(a, 'org_multi')
      for (let i = 0; i < 2; i++) await record(b, 'org_multi')
      await until(
        () => linesOf(leaderFile).some((l) => l.orgId === 'org_multi' && l.seq === 4),
        'a checkpoint',
      )
      expect(fs.existsSync(otherFile)).toBe(false)
      // Both instances hold the same chain key: each verifies what the other wrote.
      expect(await verifyChain(b.db.db, 'org_multi', { mac: a.usage.chainMac })).toMatchObject({
        ok: true,
        count: 4,
      })
      const leader = a.leader.isLeader ? a : b
      expect(await leader.usage.checkpoints.verify('org_multi')).toMatchObject({
        ok: true,
        checkpoints: { latest: { seq: 4 } },
      })
    } finally {
      await inst.drop()
    }
  })
})
