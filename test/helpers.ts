/**
 * Test setup shared by every suite: dialect list (SQLite always, PostgreSQL when
 * TEST_DATABASE_URL is set), isolated runtimes (temp LATCHKEY_HOME, fresh PG schema), and a
 * bootstrapped org with tokens per role.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { pino } from 'pino'
import { type Config, loadConfig } from '../src/config/config.js'
import { ensureDefaultOrg } from '../src/identity/orgs.js'
import type { Role } from '../src/identity/principal.js'
import { insertToken } from '../src/identity/tokens-repo.js'
import { buildApp } from '../src/server/app.js'
import { createRuntime, type Runtime, type RuntimeOptions } from '../src/server/runtime.js'
import { available } from './requirements.js'

export type TestDialect = 'sqlite' | 'postgres'

export const PG_URL = process.env.TEST_DATABASE_URL
export const REDIS_URL = process.env.TEST_REDIS_URL

const HAS_PG = available('postgres', !!PG_URL, 'set TEST_DATABASE_URL; PostgreSQL variants are not generated')
const HAS_REDIS = available(
  'redis',
  !!REDIS_URL,
  'set TEST_REDIS_URL; Redis variants skipped or on in-memory state',
)

/** Dialects every DB-touching suite runs against. */
export const DIALECTS: TestDialect[] = HAS_PG ? ['sqlite', 'postgres'] : ['sqlite']

/** A clock that stands still until a test moves it (`RuntimeOptions.clock`). */
export interface ManualClock {
  (): number
  advance(ms: number): void
}

/** Starts at the real time, so records stamped by the system clock stay in the same window. */
export function manualClock(start = Date.now()): ManualClock {
  let t = start
  const clock = (() => t) as ManualClock
  clock.advance = (ms) => {
    t += ms
  }
  return clock
}

export function tempHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-test-'))
}

/** A fresh PostgreSQL schema; returns its name and a dropper. */
export async function freshPgSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `lk_t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  await client.query(`create schema ${schema}`)
  await client.end()
  return {
    schema,
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL })
      await c.connect()
      await c.query(`drop schema if exists ${schema} cascade`)
      await c.end()
    },
  }
}

export interface TestEnv {
  rt: Runtime
  app: FastifyInstance
  config: Config
  home: string
  /** PostgreSQL schema of this env (undefined on SQLite). */
  pgSchema: string | undefined
  orgId: string
  workspaceId: string
  /** Raw tokens by role, all in the default org/workspace. */
  tokens: Record<Role, string>
  /** Authorization header for a role. */
  auth(role?: Role): { authorization: string }
  close(): Promise<void>
}

export interface TestEnvOptions {
  env?: Record<string, string>
  redis?: boolean
  runtime?: RuntimeOptions
  /** Called after the runtime is built and before the app, to plug services in. */
  setup?: (rt: Runtime) => Promise<void> | void
}

/** Builds a runtime + app on a dialect with an org, a workspace and one token per role. */
export async function createTestEnv(
  dialect: TestDialect = 'sqlite',
  opts: TestEnvOptions = {},
): Promise<TestEnv> {
  const home = tempHome()
  let pgSchema: { schema: string; drop(): Promise<void> } | undefined
  const env: Record<string, string> = {
    LATCHKEY_HOME: home,
    LATCHKEY_PORT: '0',
    LATCHKEY_LOG_LEVEL: 'silent',
    LATCHKEY_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
    ...(opts.env ?? {}),
  }
  if (dialect === 'postgres') {
    if (!PG_URL) throw new Error('postgres dialect requested without TEST_DATABASE_URL')
    pgSchema = await freshPgSchema()
    env.DATABASE_URL = PG_URL
  }
  // Without Redis (announced once by `available` above) the env runs on in-memory state.
  if (opts.redis && HAS_REDIS) env.REDIS_URL = REDIS_URL!
  const config = loadConfig(env)
  const rt = await createRuntime(config, {
    logger: pino({ level: 'silent' }),
    processMetrics: false,
    pgSchema: pgSchema?.schema,
    busPollMs: 100,
    ...(opts.runtime ?? {}),
  })
  await opts.setup?.(rt)
  const app = await buildApp(rt)
  await app.ready()
  const { orgId, workspaceId } = await ensureDefaultOrg(rt.db.db)
  const tokens = {} as Record<Role, string>
  for (const role of ['owner', 'admin', 'member', 'auditor'] as Role[]) {
    const { raw } = await insertToken(rt.db.db, {
      orgId,
      workspaceId,
      userId: null,
      name: `test-${role}`,
      role,
      createdBy: 'test',
    })
    tokens[role] = raw
  }
  return {
    rt,
    app,
    config,
    home,
    pgSchema: pgSchema?.schema,
    orgId,
    workspaceId,
    tokens,
    auth: (role: Role = 'owner') => ({ authorization: `Bearer ${tokens[role]}` }),
    async close() {
      await app.close()
      await rt.close()
      await pgSchema?.drop()
      fs.rmSync(home, { recursive: true, force: true })
    },
  }
}
