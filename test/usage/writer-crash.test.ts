/**
 * kill -9 in the middle of a flush, then a restart on the same data: every emitted record is
 * in the database exactly once and the audit chain verifies.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { verifyChain } from '../../src/audit/audit-query.js'
import { loadConfig } from '../../src/config/config.js'
import { createRuntime } from '../../src/server/runtime.js'
import { DIALECTS, freshPgSchema, PG_URL, tempHome } from '../helpers.js'

const here = import.meta.dirname
const EMIT = 12_000

describe.each(DIALECTS)('usage writer crash (%s)', (dialect) => {
  it('kill -9 mid-flush, restart: no record lost or duplicated', { timeout: 120_000 }, async () => {
    const home = tempHome()
    const pg = dialect === 'postgres' ? await freshPgSchema() : undefined
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      LATCHKEY_HOME: home,
      LATCHKEY_LOG_LEVEL: 'silent',
      LATCHKEY_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
      EMIT: String(EMIT),
      ORG_ID: 'org_kill',
      ...(pg ? { DATABASE_URL: PG_URL!, PG_SCHEMA: pg.schema } : {}),
    }
    delete env.REDIS_URL
    const child = spawn(
      process.execPath,
      ['--import', path.join(here, 'support/ts-register.mjs'), path.join(here, 'support/writer-child.ts')],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += String(d)
    })
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    let killedAt: { emitted: number; written: number; depth: number } | undefined
    for await (const line of createInterface({ input: child.stdout })) {
      const s = JSON.parse(line) as { emitted: number; written: number; depth: number }
      // Everything emitted, some rows written, some still in flight: pull the plug.
      if (s.emitted === EMIT && s.written > 0 && s.depth > 0) {
        killedAt = s
        child.kill('SIGKILL')
        break
      }
    }
    await exited
    expect(killedAt, stderr).toBeDefined()
    console.info(`[writer-crash] killed at ${JSON.stringify(killedAt)}`)

    const rt = await createRuntime(loadConfig(env), {
      logger: pino({ level: 'silent' }),
      processMetrics: false,
      pgSchema: pg?.schema,
    })
    try {
      expect(await rt.usage.writer.flush(60_000)).toBe(true)
      const db = rt.db.db
      const rows = await db
        .selectFrom('usage_records')
        .select(['id', 'latency_ms'])
        .where('org_id', '=', 'org_kill')
        .execute()
      expect(rows.length).toBe(EMIT)
      expect(new Set(rows.map((r) => r.id)).size).toBe(EMIT)
      expect(new Set(rows.map((r) => Number(r.latency_ms))).size).toBe(EMIT)
      expect(await verifyChain(db, 'org_kill', { mac: rt.usage.chainMac })).toMatchObject({
        ok: true,
        count: EMIT,
      })
    } finally {
      await rt.close()
      await pg?.drop()
    }
  })
})
