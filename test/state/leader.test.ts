/**
 * Leader election (state/leader.ts): one lease holder runs the background jobs; a dead
 * holder's lease is taken over once it expired, never before, and the old holder has stopped
 * calling itself leader by then; a graceful stop hands the lease over at once. The clock is
 * injected: no sleeps, no timing assertions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Leader } from '../../src/state/leader.js'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'

for (const dialect of DIALECTS) {
  describe(`leader election (${dialect})`, () => {
    let env: TestEnv
    beforeAll(async () => {
      env = await createTestEnv(dialect)
    })
    afterAll(async () => {
      await env.close()
    })

    const settle = () => new Promise((r) => setImmediate(r))

    it('one holder runs the jobs; a dead holder is replaced only after its lease expired', async () => {
      let t = 1_000_000
      const now = () => t
      const o = { name: `t-${Math.random()}`, ttlMs: 15_000, renewMs: 5_000, now }
      const a = new Leader(env.rt.db.db, 'inst_a', o)
      const b = new Leader(env.rt.db.db, 'inst_b', o)
      const ran: string[] = []
      a.every('job', 1e9, async () => ran.push('a'))
      b.every('job', 1e9, async () => ran.push('b'))

      expect(await a.tick()).toBe(true)
      expect(await b.tick()).toBe(false)
      await settle()
      expect(ran).toEqual(['a'])

      // a renews in time: b still cannot take it.
      t += 4_000
      expect(await a.tick()).toBe(true)
      t += 4_000
      expect(await b.tick()).toBe(false)

      // a dies (no more renewals). Until the row expires, b waits; a's own view lapses first.
      t += 7_000 // 11 s after a's last renewal: a's validity (ttl - renew = 10 s) is over
      expect(a.isLeader).toBe(false)
      expect(await b.tick()).toBe(false) // the row itself (15 s) has not expired yet
      t += 4_001
      expect(await b.tick()).toBe(true)
      expect(a.isLeader).toBe(false)
      await settle()
      expect(ran).toEqual(['a', 'b'])

      // a comes back: it does not take the lease while b renews.
      expect(await a.tick()).toBe(false)

      // b stops gracefully: a takes over at its next attempt, without waiting for expiry.
      await b.release()
      expect(await a.tick()).toBe(true)
      await settle()
      expect(ran).toEqual(['a', 'b', 'a'])
      await a.release()
    })

    it('two contenders at the same moment: exactly one wins', async () => {
      const t = 5_000_000
      const o = { name: `race-${Math.random()}`, now: () => t }
      const leaders = ['x', 'y', 'z'].map((id) => new Leader(env.rt.db.db, `inst_${id}`, o))
      const won = await Promise.all(leaders.map((l) => l.tick()))
      expect(won.filter(Boolean)).toHaveLength(1)
      for (const l of leaders) await l.release()
    })

    it('the runtime leads and runs its jobs on embedded SQLite without a lease row', async () => {
      expect(env.rt.leader.isLeader).toBe(true)
      if (dialect === 'sqlite') {
        const rows = await env.rt.db.db.selectFrom('leases').selectAll().where('name', '=', 'jobs').execute()
        expect(rows).toHaveLength(0)
      }
    })
  })
}
