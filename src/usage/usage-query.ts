/**
 * Usage aggregates for `/api/v1/usage`: totals per key and, when a bucket is asked for, per
 * key and UTC hour/day. Dialect-neutral SQL (integer division buckets epoch-ms times).
 * @module
 */
import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'

export const GROUP_BY = [
  'user',
  'credential',
  'model',
  'credential-model',
  'workflow',
  'workspace',
  'provider',
] as const
export type GroupBy = (typeof GROUP_BY)[number]

export interface UsageQuery {
  orgId: string
  groupBy: GroupBy
  from: number
  to: number
  bucket?: 'hour' | 'day'
  /** Restricts to one caller's own usage (members): their user id, or their token id. */
  own?: { userId: string | null; tokenId: string | null }
}

export interface UsageTotals {
  key: string
  /** What people read for the key: names instead of ids (usage-labels.ts); the key otherwise. */
  label?: string
  requests: number
  inputTokens: number
  outputTokens: number
  cachedReadTokens: number
  reasoningTokens: number
  costUsd: number
  /** Calls with usage but no known price (their cost is missing from costUsd). */
  unpricedRequests: number
}

export interface UsageBucket extends UsageTotals {
  bucket: string
}

function keyExpr(g: GroupBy) {
  switch (g) {
    case 'user':
      // Tokens minted without a user (admin bootstrap) count under the token.
      return sql<string>`coalesce(user_id, token_id, principal_id)`
    case 'credential':
      return sql<string>`coalesce(credential_id, '(none)')`
    case 'model':
      return sql<string>`coalesce(provider, '') || '/' || coalesce(model, requested_model)`
    // The model as people address it: the key it went through, then the model.
    case 'credential-model':
      return sql<string>`coalesce(credential_id, '(none)') || '/' || coalesce(model, requested_model)`
    case 'workflow':
      return sql<string>`coalesce(workflow_id, '(none)')`
    case 'workspace':
      return sql<string>`coalesce(workspace_id, '(none)')`
    case 'provider':
      return sql<string>`coalesce(provider, '(none)')`
  }
}

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const

export async function queryUsage(
  db: Kysely<Database>,
  q: UsageQuery,
): Promise<{ data: UsageTotals[]; series?: UsageBucket[] }> {
  const key = keyExpr(q.groupBy)
  const base = () => {
    let b = db
      .selectFrom('usage_records')
      .where('org_id', '=', q.orgId)
      .where('ts', '>=', q.from)
      .where('ts', '<', q.to)
    if (q.own) {
      const own = q.own
      // A caller with neither a user nor a token owns no usage: a condition that is never
      // true (a NUL sentinel id matched nothing on SQLite but is an error on PostgreSQL).
      b = own.userId
        ? b.where('user_id', '=', own.userId)
        : own.tokenId
          ? b.where('token_id', '=', own.tokenId)
          : b.where(sql<boolean>`1 = 0`)
    }
    return b
  }
  const aggregates = [
    sql<number>`count(*)`.as('requests'),
    sql<number>`coalesce(sum(input_tokens), 0)`.as('input_tokens'),
    sql<number>`coalesce(sum(output_tokens), 0)`.as('output_tokens'),
    sql<number>`coalesce(sum(cached_read_tokens), 0)`.as('cached_read_tokens'),
    sql<number>`coalesce(sum(reasoning_tokens), 0)`.as('reasoning_tokens'),
    sql<number>`coalesce(sum(cost_usd), 0)`.as('cost_usd'),
    sql<number>`sum(case when price_known = 0 then 1 else 0 end)`.as('unpriced'),
  ] as const
  const toTotals = (r: Record<string, unknown>): UsageTotals => ({
    key: String(r.key),
    requests: Number(r.requests),
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    cachedReadTokens: Number(r.cached_read_tokens),
    reasoningTokens: Number(r.reasoning_tokens),
    costUsd: round(Number(r.cost_usd)),
    unpricedRequests: Number(r.unpriced ?? 0),
  })

  const rows = await base()
    .select([key.as('key'), ...aggregates])
    .groupBy(key)
    .orderBy(sql`coalesce(sum(cost_usd), 0)`, 'desc')
    .limit(1000)
    .execute()
  const data = rows.map((r) => toTotals(r as Record<string, unknown>))
  if (!q.bucket) return { data }

  const size = BUCKET_MS[q.bucket]
  const bucketExpr = sql<number>`(ts / ${sql.lit(size)}) * ${sql.lit(size)}`
  const srows = await base()
    .select([key.as('key'), bucketExpr.as('bucket_ts'), ...aggregates])
    .groupBy([key, bucketExpr])
    .orderBy('bucket_ts', 'asc')
    .limit(50_000)
    .execute()
  const series = srows.map((r) => ({
    ...toTotals(r as Record<string, unknown>),
    bucket: new Date(Number((r as { bucket_ts: number }).bucket_ts)).toISOString(),
  }))
  return { data, series }
}

const round = (v: number) => Math.round(v * 1e9) / 1e9

const CSV_COLUMNS = [
  'bucket',
  'key',
  'label',
  'requests',
  'inputTokens',
  'outputTokens',
  'cachedReadTokens',
  'reasoningTokens',
  'costUsd',
  'unpricedRequests',
] as const

/** CSV of totals (or of the series when bucketed). Cells that a spreadsheet would run as a formula are quoted with a leading apostrophe. */
export function usageCsv(rows: (UsageTotals & { bucket?: string })[]): string {
  const cell = (v: unknown) => {
    let s = v === undefined || v === null ? '' : String(v)
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  const lines = [CSV_COLUMNS.join(',')]
  for (const r of rows) lines.push(CSV_COLUMNS.map((c) => cell(r[c as keyof typeof r])).join(','))
  return `${lines.join('\n')}\n`
}
