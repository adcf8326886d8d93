/**
 * A data folder (and PostgreSQL schema) that outlives single runtimes, so restarts and several
 * instances can be tested.
 */
import fs from 'node:fs'
import { pino } from 'pino'
import { afterEach } from 'vitest'
import { loadConfig } from '../../src/config/config.js'
import { createRuntime, type Runtime } from '../../src/server/runtime.js'
import { freshPgSchema, PG_URL, type TestDialect, tempHome } from '../helpers.js'

const open: Runtime[] = []
afterEach(async () => {
  for (const rt of open.splice(0)) await rt.close().catch(() => {})
})

export async function install(dialect: TestDialect) {
  const home = tempHome()
  const pg = dialect === 'postgres' ? await freshPgSchema() : undefined
  const env = (extra: Record<string, string> = {}) => ({
    LATCHKEY_HOME: home,
    LATCHKEY_LOG_LEVEL: 'silent',
    ...(pg
      ? {
          DATABASE_URL: `${PG_URL}${PG_URL!.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${pg.schema}`)}`,
        }
      : {}),
    ...extra,
  })
  return {
    home,
    env,
    async start(extra: Record<string, string>) {
      const rt = await createRuntime(loadConfig(env(extra)), {
        logger: pino({ level: 'silent' }),
        processMetrics: false,
        pgSchema: pg?.schema,
      })
      open.push(rt)
      return rt
    },
    async drop() {
      await pg?.drop()
      fs.rmSync(home, { recursive: true, force: true })
    },
  }
}
