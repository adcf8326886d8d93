/**
 * Defence in depth for what enters the audit log: shapes keep only their known count/name
 * fields, details only scalars and short identifier strings. Callers already pass shapes,
 * never content; this bounds the damage of a caller that gets it wrong.
 * @module
 */
import type { ContentShape } from '../gateway/spec/v1/usage.js'

const MAX_STR = 200
const MAX_LIST = 64

type Kind = 'number' | 'string' | 'list' | 'counts'

/** ContentShape's fields with their kinds, in canonical key order (the chain hashes the result). */
const SHAPE_FIELDS: readonly [string, Kind][] = [
  ['bytes', 'number'],
  ['chars', 'number'],
  ['dimensions', 'number'],
  ['finishReason', 'string'],
  ['inputs', 'number'],
  ['messages', 'number'],
  ['params', 'list'],
  ['parts', 'counts'],
  ['roles', 'counts'],
  ['schemaHash', 'string'],
  ['schemaKeys', 'list'],
  ['toolCalls', 'number'],
  ['tools', 'list'],
]

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v.slice(0, MAX_STR) : undefined)
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

/** Keeps only ContentShape's fields with the right types; returns null for an empty shape. */
export function sanitizeShape(shape: ContentShape | null | undefined): Record<string, unknown> | null {
  if (!shape || typeof shape !== 'object') return null
  const src = shape as Record<string, unknown>
  const out: Record<string, unknown> = {}
  let any = false
  for (const [k, kind] of SHAPE_FIELDS) {
    const v = src[k]
    if (v === undefined) continue
    if (kind === 'number') {
      if (num(v) === undefined) continue
      out[k] = v
    } else if (kind === 'string') {
      if (str(v) === undefined) continue
      out[k] = str(v)
    } else if (kind === 'list') {
      if (!Array.isArray(v)) continue
      out[k] = v
        .filter((x) => typeof x === 'string')
        .slice(0, MAX_LIST)
        .map((x) => str(x))
    } else {
      if (!v || typeof v !== 'object' || Array.isArray(v)) continue
      const m: Record<string, number> = {}
      for (const [name, count] of Object.entries(v).slice(0, MAX_LIST)) {
        if (num(count) !== undefined) m[name.slice(0, 40)] = count as number
      }
      out[k] = m
    }
    any = true
  }
  return any ? out : null
}

/** Details: scalars, short strings and lists of them, one level deep. */
export function sanitizeDetails(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(details).slice(0, MAX_LIST)) {
    if (v === null || typeof v === 'boolean' || num(v) !== undefined) out[k] = v
    else if (typeof v === 'string') out[k] = str(v)
    else if (Array.isArray(v)) {
      out[k] = v
        .filter((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')
        .slice(0, MAX_LIST)
        .map((x) => (typeof x === 'string' ? str(x) : x))
    } else if (v && typeof v === 'object') {
      // One nested level (e.g. {changed: {role: 'admin'}}): scalars only.
      const inner: Record<string, unknown> = {}
      for (const [ik, iv] of Object.entries(v).slice(0, MAX_LIST)) {
        if (iv === null || typeof iv === 'boolean' || num(iv) !== undefined) inner[ik] = iv
        else if (typeof iv === 'string') inner[ik] = str(iv)
      }
      out[k] = inner
    }
  }
  return out
}
