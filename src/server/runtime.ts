/**
 * Everything one process holds: config, database, caches, background writers and the seams
 * that the gateway, vault, usage/audit and workflows plug into. Built once by `serve` (and by
 * tests), closed once on shutdown.
 * @module
 */

import fs from 'node:fs'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { collectDefaultMetrics, Registry } from 'prom-client'
import type { AuditWriter } from '../audit/audit-event.js'
import type { Config } from '../config/config.js'
import { type DbHandle, openDatabase, pingDatabase } from '../db/database.js'
import { migrateToLatest } from '../db/migrate.js'
import type {
  BudgetGuard,
  CallEvent,
  CallEventSink,
  CredentialLookup,
  Invoke,
  PriceBook,
} from '../gateway/spec/v1/index.js'
import { noopBudgetGuard, unknownPrices } from '../gateway/spec/v1/index.js'
import { AuthService } from '../identity/auth-service.js'
import { newId } from '../identity/secrets.js'
import { SettingsService } from '../identity/settings.js'
import { ChangeBus } from '../state/change-bus.js'
import { type Clock, systemClock } from '../state/clock.js'
import { type CounterStore, MemoryCounterStore, RedisCounterStore } from '../state/counters.js'
import { deploymentId } from '../state/deployment.js'
import { Leader } from '../state/leader.js'
import { openRedis } from '../state/redis.js'
import { createLogger } from './logger.js'
import { type ServiceSlots, setupServices } from './services.js'

/** A background task that must finish its work before the process exits (writers, flushers). */
export interface Closer {
  name: string
  close(): Promise<void>
}

export interface Runtime extends ServiceSlots {
  config: Config
  /** This process among the instances sharing the database (leases, journals, logs). */
  instanceId: string
  /** The installation (one per database); namespaces the keys instances share in Redis. */
  deploymentId: string
  logger: Logger
  db: DbHandle
  bus: ChangeBus
  redis: Redis | undefined
  counters: CounterStore
  /** The clock of every time window (limits, breakers, budgets, leases); tests drive their own. */
  clock: Clock
  /** Runs periodic background jobs on one instance only (state/leader.ts). */
  leader: Leader
  auth: AuthService
  /** Org settings (egress, content storage, retention, CORS) from memory. */
  settings: SettingsService
  metrics: Registry
  /** Management-event writer (same transaction as the change). */
  audit: AuditWriter
  /** Per-call metering sink. */
  calls: CallEventSink
  budget: BudgetGuard
  /** Prices per provider/model with org overrides; null cost when unknown. */
  prices: PriceBook
  /** The vault's in-memory credential view (hot path). */
  credentials: CredentialLookup
  /** In-process gateway call used by workflows and compare (set by the gateway). */
  invoke: Invoke
  /** Registers a task to flush/close on shutdown, after the server drained. Runs in reverse order. */
  onClose(closer: Closer): void
  close(): Promise<void>
}

export interface RuntimeOptions {
  logger?: Logger
  /** Skip Node process metrics (tests create many runtimes in one process). */
  processMetrics?: boolean
  /** SQLite file override (tests); PostgreSQL schema override (tests). */
  sqliteFile?: string
  pgSchema?: string
  busPollMs?: number
  /** Replaces the system clock (tests). */
  clock?: Clock
}

/** A bounded in-memory sink, used until the usage writer is plugged in. */
export class MemoryCallSink implements CallEventSink {
  readonly events: CallEvent[] = []
  constructor(private readonly max = 1000) {}
  emit(e: CallEvent): void {
    this.events.push(e)
    if (this.events.length > this.max) this.events.shift()
  }
}

const noopAudit: AuditWriter = { async record() {} }

const noCredentials: CredentialLookup = {
  async find() {
    return null
  },
  async list() {
    return []
  },
}

const noInvoke: Invoke = async () => {
  throw new Error('the gateway is not set up in this runtime')
}

export async function createRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const logger = opts.logger ?? createLogger(config.logLevel)
  for (const w of config.warnings) logger.warn(w)
  if (!config.databaseUrl) ensureHome(config.home)

  const db = openDatabase({
    url: config.databaseUrl,
    home: config.home,
    file: opts.sqliteFile,
    schema: opts.pgSchema,
  })
  const closers: Closer[] = []
  let redis: Redis | undefined
  let redisSub: Redis | undefined
  try {
    await pingDatabase(db)
    await migrateToLatest(db)
    if (config.redisUrl) {
      redis = openRedis(config.redisUrl, 'main')
      redisSub = openRedis(config.redisUrl, 'sub')
      await redis.ping().catch((err: Error) => {
        throw new Error(`cannot reach Redis (REDIS_URL): ${err.message}`)
      })
    }
  } catch (err) {
    redis?.disconnect()
    redisSub?.disconnect()
    await db.close().catch(() => {})
    throw err
  }

  const bus = new ChangeBus(db, { pollMs: opts.busPollMs, pub: redis, sub: redisSub })
  await bus.start()
  const auth = new AuthService(db, bus)
  auth.start()
  const settings = new SettingsService(config, db, bus)
  await settings.reload()

  const instanceId = newId('inst')
  const deployment = await deploymentId(db.db)
  // Embedded SQLite belongs to one process: it leads trivially. On PostgreSQL a lease row.
  const clock = opts.clock ?? systemClock
  const leader = new Leader(db.db, instanceId, { sole: db.dialect === 'sqlite', logger, now: clock })
  await leader.start()

  const metrics = new Registry()
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: metrics, prefix: 'latchkey_' })

  let closed = false
  const runtime = {
    config,
    instanceId,
    deploymentId: deployment,
    logger,
    db,
    leader,
    bus,
    redis,
    counters: redis ? new RedisCounterStore(redis, undefined, clock) : new MemoryCounterStore(clock),
    clock,
    auth,
    settings,
    metrics,
    audit: noopAudit,
    calls: new MemoryCallSink(),
    budget: noopBudgetGuard,
    prices: unknownPrices,
    credentials: noCredentials,
    invoke: noInvoke,
    onClose(c: Closer) {
      closers.push(c)
    },
    async close() {
      if (closed) return
      closed = true
      // No periodic job starts during shutdown; the lease is handed back at the end.
      await leader.stopJobs()
      for (const c of [...closers].reverse()) {
        try {
          await c.close()
        } catch (err) {
          logger.error({ err, closer: c.name }, 'shutdown step failed')
        }
      }
      await auth.stop()
      await leader.release()
      bus.stop()
      redis?.disconnect()
      redisSub?.disconnect()
      await db.close()
    },
  } as unknown as Runtime
  try {
    await setupServices(runtime)
  } catch (err) {
    await runtime.close().catch(() => {})
    throw err
  }
  return runtime
}

/** Creates LATCHKEY_HOME (0700) or tightens an existing one we own. */
function ensureHome(home: string): void {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 })
  try {
    const st = fs.statSync(home)
    if ((st.mode & 0o077) !== 0 && st.uid === process.getuid?.()) fs.chmodSync(home, 0o700)
  } catch {
    // Not fatal: the directory exists and is usable.
  }
}
