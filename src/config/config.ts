/**
 * Configuration: every setting of DESIGN.md's table, read once from the environment and
 * validated, so a bad value stops the process at start with a message naming the variable.
 * @module
 */
import path from 'node:path'
import { z } from 'zod'
import { parseDuration } from './duration.js'
import { parseTrustProxy, type TrustProxy } from './trust-proxy.js'

const EGRESS_MODES = ['open', 'public-only', 'private-only'] as const
export type EgressMode = (typeof EGRESS_MODES)[number]

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .transform((v, ctx) => {
    if (['1', 'true', 'yes', 'on'].includes(v)) return true
    if (['0', 'false', 'no', 'off', ''].includes(v)) return false
    ctx.addIssue({ code: 'custom', message: 'expected true/false' })
    return z.NEVER
  })

const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
)

/** A duration setting ("500ms", "30s", "24h", "7d") in milliseconds. */
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const ms = parseDuration(v)
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a duration such as 30m, 24h or 7d' })
        return z.NEVER
      }
      return ms
    })

/**
 * A retention age: "forever" (the default: nothing is deleted) or a duration of at least a
 * day. Shorter ages would race the journal replay, which deduplicates on the rows it finds.
 */
const retention = z
  .string()
  .default('forever')
  .transform((v, ctx) => {
    if (v.trim().toLowerCase() === 'forever') return null
    const ms = parseDuration(v)
    if (ms === undefined || ms < 86_400_000) {
      ctx.addIssue({ code: 'custom', message: 'expected forever or a duration of at least 1d, such as 90d' })
      return z.NEVER
    }
    return ms
  })

const EnvSchema = z.object({
  LATCHKEY_HOME: z.string().min(1).default('./.latchkey'),
  LATCHKEY_HOST: z.string().min(1).default('127.0.0.1'),
  LATCHKEY_PORT: z.coerce.number().int().min(0).max(65535).default(8420),
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL')
    .optional(),
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL')
    .optional(),
  LATCHKEY_MASTER_KEY: z.string().min(1).optional(),
  LATCHKEY_MASTER_KEY_FILE: z.string().min(1).optional(),
  LATCHKEY_STORE_CONTENT: bool.default(false),
  LATCHKEY_RUN_OUTPUT_TTL: duration('24h'),
  LATCHKEY_EGRESS: z.enum(EGRESS_MODES).default('open'),
  LATCHKEY_EGRESS_ALLOW: list.default([]),
  LATCHKEY_URL: z.string().url().optional(),
  LATCHKEY_TOKEN: z.string().optional(),
  LATCHKEY_CORS_ORIGINS: list.default([]),
  LATCHKEY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LATCHKEY_BODY_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  LATCHKEY_TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v, ctx) => {
      const r = parseTrustProxy(v)
      if ('error' in r) {
        ctx.addIssue({ code: 'custom', message: r.error })
        return z.NEVER
      }
      return r
    }),
  LATCHKEY_DRAIN_DELAY: duration('5s'),
  LATCHKEY_DRAIN_TIMEOUT: duration('20s'),
  LATCHKEY_AUDIT_CHECKPOINT_FILE: z.string().min(1).optional(),
  LATCHKEY_AUDIT_CHECKPOINT_INTERVAL: duration('5m'),
  LATCHKEY_USAGE_RETENTION: retention,
  LATCHKEY_AUDIT_RETENTION: retention,
})

/** Validated, typed configuration. Field names are ours; env names live only in this file. */
export interface Config {
  home: string
  host: string
  port: number
  databaseUrl: string | undefined
  redisUrl: string | undefined
  masterKey: string | undefined
  masterKeyFile: string | undefined
  storeContent: boolean
  runOutputTtlMs: number
  egress: EgressMode
  egressAllow: string[]
  url: string
  token: string | undefined
  corsOrigins: string[]
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  bodyLimit: number
  /** Which peers may set the client address (config/trust-proxy.ts). */
  trustProxy: TrustProxy
  /** On SIGTERM: how long to keep serving with readiness off so the balancer notices. */
  drainDelayMs: number
  /** On SIGTERM: how long in-flight calls and streams get to finish before they are cut. */
  drainTimeoutMs: number
  /** Signed audit checkpoints, outside the database (default `LATCHKEY_HOME/audit-checkpoints.jsonl`). */
  auditCheckpointFile: string
  /** How often the leader appends checkpoints of the chains that moved. */
  auditCheckpointEveryMs: number
  /** Usage rows older than this are deleted by the leader (null: kept forever). */
  usageRetentionMs: number | null
  /** Audit records older than this are pruned by the leader, leaving a sealed prune point (null: kept forever). */
  auditRetentionMs: number | null
  /** Settings that work but deserve the operator's attention; logged once at start. */
  warnings: string[]
}

/** Thrown for invalid configuration; the CLI prints its message alone and exits 1. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Reads and validates configuration from an environment object (process.env by default). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset": shells and compose files often export VAR= to clear a value.
  const cleaned: Record<string, string> = {}
  for (const key of Object.keys(EnvSchema.shape)) {
    const v = env[key]
    if (v !== undefined && v !== '') cleaned[key] = v
  }
  const parsed = EnvSchema.safeParse(cleaned)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`)
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`)
  }
  const e = parsed.data
  const home = path.resolve(e.LATCHKEY_HOME)
  const urlHost = e.LATCHKEY_HOST.includes(':') ? `[${e.LATCHKEY_HOST}]` : e.LATCHKEY_HOST
  return {
    home,
    host: e.LATCHKEY_HOST,
    port: e.LATCHKEY_PORT,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    masterKey: e.LATCHKEY_MASTER_KEY,
    masterKeyFile: e.LATCHKEY_MASTER_KEY_FILE,
    storeContent: e.LATCHKEY_STORE_CONTENT,
    runOutputTtlMs: e.LATCHKEY_RUN_OUTPUT_TTL,
    egress: e.LATCHKEY_EGRESS,
    egressAllow: e.LATCHKEY_EGRESS_ALLOW,
    url: e.LATCHKEY_URL ?? `http://${urlHost === '0.0.0.0' ? '127.0.0.1' : urlHost}:${e.LATCHKEY_PORT}`,
    token: e.LATCHKEY_TOKEN,
    corsOrigins: e.LATCHKEY_CORS_ORIGINS,
    logLevel: e.LATCHKEY_LOG_LEVEL,
    bodyLimit: e.LATCHKEY_BODY_LIMIT,
    trustProxy: e.LATCHKEY_TRUST_PROXY.value,
    drainDelayMs: e.LATCHKEY_DRAIN_DELAY,
    drainTimeoutMs: e.LATCHKEY_DRAIN_TIMEOUT,
    auditCheckpointFile: path.resolve(
      e.LATCHKEY_AUDIT_CHECKPOINT_FILE ?? path.join(home, 'audit-checkpoints.jsonl'),
    ),
    auditCheckpointEveryMs: e.LATCHKEY_AUDIT_CHECKPOINT_INTERVAL,
    usageRetentionMs: e.LATCHKEY_USAGE_RETENTION,
    auditRetentionMs: e.LATCHKEY_AUDIT_RETENTION,
    warnings: e.LATCHKEY_TRUST_PROXY.warning ? [e.LATCHKEY_TRUST_PROXY.warning] : [],
  }
}
