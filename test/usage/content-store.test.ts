import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestEnv, type TestEnv } from '../helpers.js'

describe('content storage', () => {
  describe('off by default', () => {
    let env: TestEnv
    beforeAll(async () => {
      env = await createTestEnv('sqlite')
    })
    afterAll(async () => {
      await env?.close()
    })

    it('stores nothing, even when the org asks for it without the environment allowing it', async () => {
      expect(env.rt.usage.content.enabled(env.orgId)).toBe(false)
      const res = await env.app.inject({
        method: 'PATCH',
        url: '/api/v1/settings',
        headers: env.auth('owner'),
        payload: { storeContent: true },
      })
      expect(res.statusCode).toBe(400)
      expect(
        await env.rt.usage.content.record({
          orgId: env.orgId,
          workspaceId: null,
          requestId: 'req_x',
          request: { a: 1 },
          response: null,
        }),
      ).toBe(false)
      const n = await env.rt.db.db
        .selectFrom('call_contents')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
      expect(Number(n.n)).toBe(0)
    })
  })

  describe('on (environment allows, org opts in)', () => {
    let env: TestEnv
    beforeAll(async () => {
      env = await createTestEnv('sqlite', { env: { LATCHKEY_STORE_CONTENT: 'true' } })
    })
    afterAll(async () => {
      await env?.close()
    })

    it('keeps content sealed, readable by the org, and purges it after retention', async () => {
      expect(env.rt.usage.content.enabled(env.orgId)).toBe(false) // the org has not opted in yet
      const res = await env.app.inject({
        method: 'PATCH',
        url: '/api/v1/settings',
        headers: env.auth('owner'),
        payload: { storeContent: true, retentionDays: 1 },
      })
      expect(res.statusCode, res.body).toBe(200)
      await env.rt.settings.reload()
      expect(env.rt.usage.content.enabled(env.orgId)).toBe(true)

      const secret = `CANARY${randomBytes(8).toString('hex')}`
      const ts = Date.now()
      expect(
        await env.rt.usage.content.record({
          orgId: env.orgId,
          workspaceId: env.workspaceId,
          requestId: 'req_kept',
          ts,
          request: { messages: [{ role: 'user', content: secret }] },
          response: { choices: [{ message: { content: 'ok' } }] },
        }),
      ).toBe(true)
      const back = await env.rt.usage.content.read(env.orgId, 'req_kept')
      expect(JSON.stringify(back)).toContain(secret)
      expect(await env.rt.usage.content.read('org_other', 'req_kept')).toBeNull()

      // Sealed at rest: the plaintext is nowhere in the database files.
      // The files must exist for the scan to mean anything (SQLite keeps its WAL while open).
      const files = ['latchkey.db', 'latchkey.db-wal'].map((f) => path.join(env.home, f))
      for (const p of files) {
        expect(fs.existsSync(p), p).toBe(true)
        expect(fs.readFileSync(p).toString('latin1')).not.toContain(secret)
      }
      // Never in the audit log.
      const exp = await env.app.inject({
        method: 'GET',
        url: '/api/v1/audit/export',
        headers: env.auth('auditor'),
      })
      expect(exp.body).not.toContain(secret)

      expect(await env.rt.usage.content.purge(ts + 86_400_000 - 1)).toBe(0)
      expect(await env.rt.usage.content.purge(ts + 86_400_000)).toBe(1)
      expect(await env.rt.usage.content.read(env.orgId, 'req_kept')).toBeNull()
    })
  })
})
