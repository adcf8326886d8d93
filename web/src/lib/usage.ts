/**
 * Usage rows → chart series and totals. The server answers per-key totals, and per time bucket
 * when asked for one (`bucket=day|hour`); any of the usual time fields is accepted. Pure.
 * @module
 */
import type { UsageRow } from '../api/types.js'

export type Metric = 'costUsd' | 'tokens' | 'requests'

export const METRIC_LABEL: Record<Metric, string> = {
  costUsd: 'Spend (USD)',
  tokens: 'Tokens',
  requests: 'Requests',
}

const TIME_FIELDS = ['bucket', 'ts', 'day', 'date', 'time', 'period', 'start'] as const

export function rowTime(r: Record<string, unknown>): number | null {
  for (const f of TIME_FIELDS) {
    const v = r[f]
    if (v === undefined || v === null) continue
    const n = typeof v === 'number' ? v : /^\d+$/.test(String(v)) ? Number(v) : Date.parse(String(v))
    if (Number.isFinite(n)) return n
  }
  return null
}

export function metricOf(r: UsageRow, m: Metric): number {
  if (m === 'tokens') return (r.inputTokens ?? 0) + (r.outputTokens ?? 0)
  return Number(r[m] ?? 0)
}

export interface Series {
  /** Bucket starts, epoch seconds (uPlot's x unit). */
  xs: number[]
  keys: string[]
  /** ys[k][i]: metric of key k in bucket i (0 when absent). */
  ys: number[][]
}

/** Bucket starts from `from` to `to` every `stepMs` (UTC-aligned like the server's buckets). */
export function bucketRange(from: number, to: number, stepMs: number): number[] {
  const out: number[] = []
  for (let t = Math.floor(from / stepMs) * stepMs; t < to; t += stepMs) out.push(t)
  return out
}

/**
 * Pivots time-bucketed rows into aligned series; the top `limit` keys by total, the rest as
 * "other". With `range`, every bucket of the period is present (quiet days show as zero).
 */
export function toSeries(
  rows: UsageRow[],
  m: Metric,
  limit = 8,
  range?: { from: number; to: number; stepMs: number },
): Series | null {
  const timed = rows.filter((r) => rowTime(r) !== null)
  if (timed.length === 0) return null
  const totals = new Map<string, number>()
  for (const r of timed) totals.set(r.key, (totals.get(r.key) ?? 0) + metricOf(r, m))
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k)
  const top = ranked.slice(0, limit)
  const keys = ranked.length > limit ? [...top, 'other'] : top
  const seen = timed.map((r) => rowTime(r)!)
  const grid = range ? bucketRange(range.from, range.to, range.stepMs) : []
  const xsMs = [...new Set([...grid, ...seen])].sort((a, b) => a - b)
  const at = new Map(xsMs.map((x, i) => [x, i]))
  const ys = keys.map(() => xsMs.map(() => 0))
  for (const r of timed) {
    const k = top.includes(r.key) ? keys.indexOf(r.key) : keys.length - 1
    ys[k]![at.get(rowTime(r)!)!]! += metricOf(r, m)
  }
  return { xs: xsMs.map((x) => x / 1000), keys, ys }
}

/** Per-key totals (time buckets summed), sorted by spend. */
export function byKey(rows: UsageRow[]): UsageRow[] {
  const map = new Map<string, UsageRow>()
  for (const r of rows) {
    const t = map.get(r.key) ?? { key: r.key, requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 }
    t.requests += r.requests ?? 0
    t.inputTokens += r.inputTokens ?? 0
    t.outputTokens += r.outputTokens ?? 0
    t.costUsd += r.costUsd ?? 0
    map.set(r.key, t)
  }
  return [...map.values()].sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests)
}

export function totals(rows: UsageRow[]) {
  return rows.reduce(
    (a, r) => ({
      requests: a.requests + (r.requests ?? 0),
      inputTokens: a.inputTokens + (r.inputTokens ?? 0),
      outputTokens: a.outputTokens + (r.outputTokens ?? 0),
      costUsd: a.costUsd + (r.costUsd ?? 0),
    }),
    { requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 },
  )
}

/** A budget's fill ratio and tone for the bars. */
export function budgetLevel(spent: number, limit: number): { ratio: number; tone: 'ok' | 'warn' | 'bad' } {
  const ratio = limit > 0 ? spent / limit : 0
  return { ratio, tone: ratio >= 1 ? 'bad' : ratio >= 0.8 ? 'warn' : 'ok' }
}
