/**
 * The shared journal (usage/shared-journal.ts): an instance that dies with calls answered but
 * not yet in the database — and whose disk is gone — still gets them metered: a survivor
 * adopts its entries from Redis once its heartbeat expired, writes each exactly once (rows the
 * dead writer had committed are not duplicated) and the audit chain verifies. Runs with
 * TEST_REDIS_URL; the 3-process test (test/scale/) does the same with kill -9.
 */
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyChain } from '../../src/audit/audit-query.js'
import { openRedis } from '../../src/state/redis.js'
import { usageRow } from '../../src/usage/call-records.js'
import { CallWriter } from '../../src/usage/call-writer.js'
import { journalLine } from '../../src/usage/journal.js'
import { RedisSharedJournal } from '../../src/usage/shared-journal.js'
import { createTestEnv, DIALECTS, REDIS_URL, type TestEnv, tempHome } from '../helpers.js'
import { callEvent } from './fixtures.js'

for (const dialect of DIALECTS) {
  describe.skipIf(!REDIS_URL)(`shared journal adoption (${dialect})`, () => {
    let env: TestEnv
    const redis = REDIS_URL ? openRedis(REDIS_URL, 'test-jr') : undefined
    beforeAll(async () => {
      env = await createTestEnv(dialect)
    })
    afterAll(async () => {
      await env.close()
      redis?.disconnect()
    })

    it('a survivor writes a dead writer’s entries exactly once', async () => {
      const org = `org_jr_${Math.random().toString(36).slice(2, 8)}`
      const deadId = `inst_dead_${Math.random().toString(36).slice(2, 8)}`
      const dead = new RedisSharedJournal(redis!, deadId, { heartbeatTtlMs: 3000 })
      await dead.start()
      const events = Array.from({ length: 50 }, (_, i) => ({ id: `use_jr_${org}_${i}`, e: callEvent(org) }))
      await dead.append(events.map((x) => ({ id: x.id, line: journalLine(x.id, x.e) })))

      const survivor = new CallWriter(
        env.rt.db,
        pino({ level: 'silent' }),
        tempHome(),
        env.rt.usage.chainMac,
        {
          shared: new RedisSharedJournal(redis!, `inst_live_${Math.random().toString(36).slice(2, 8)}`, {
            heartbeatTtlMs: 300,
          }),
          adoptEveryMs: 100,
          sqliteFastPath: false,
        },
      )
      // The dead writer had committed its first ten before dying (its HDEL never went out).
      await env.rt.db.db
        .insertInto('usage_records')
        .values(events.slice(0, 10).map((x) => usageRow(x.id, x.e)))
        .execute()

      survivor.start()
      // Alive: nothing is adopted while the heartbeat is fresh.
      expect(
        await env.rt.db.db
          .selectFrom('usage_records')
          .select('id')
          .where('id', 'like', `use_jr_${org}_%`)
          .execute(),
      ).toHaveLength(10)

      dead.halt()
      for (let i = 0; i < 200; i++) {
        await survivor.flush(1000)
        const n = await env.rt.db.db
          .selectFrom('usage_records')
          .select('id')
          .where('id', 'like', `use_jr_${org}_%`)
          .execute()
        if (n.length >= 50) break
        await new Promise((r) => setTimeout(r, 50))
      }
      await survivor.flush()
      const rows = await env.rt.db.db
        .selectFrom('usage_records')
        .select('id')
        .where('org_id', '=', org)
        .execute()
      // Every answered call once: the ten already there were not written again.
      expect(rows).toHaveLength(50)
      expect(new Set(rows.map((r) => r.id)).size).toBe(50)
      expect(await verifyChain(env.rt.db.db, org, { mac: env.rt.usage.chainMac })).toMatchObject({
        ok: true,
        count: 40,
      })
      // Adopted entries were committed and forgotten; the dead writer's hash is gone.
      expect(await redis!.exists(`latchkey:jr:default:${deadId}`)).toBe(0)
      await survivor.close()
    })
  })
}
