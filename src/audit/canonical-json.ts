/**
 * RFC 8785 (JCS) canonical JSON: object keys sorted by UTF-16 code units, no whitespace,
 * numbers and strings serialised as ECMAScript's JSON.stringify does (which is what JCS
 * specifies). Same output as the `canonicalize` package, which test/audit checks on random
 * values; written for speed because every call record is hashed on the writer's path.
 * @module
 */
export function canonicalJson(value: unknown): string {
  return write(value)
}

/** Quoted object keys: the same few dozen names recur in every record. */
const quoted = new Map<string, string>()
function quote(k: string): string {
  let q = quoted.get(k)
  if (q === undefined) {
    q = JSON.stringify(k)
    if (quoted.size < 10_000) quoted.set(k, q)
  }
  return q
}

const skip = (v: unknown) => v === undefined || typeof v === 'symbol' || typeof v === 'function'

function inOrder(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false
  return true
}

/**
 * Canonical JSON of an object whose possible keys are known and listed in canonical order
 * (`sortedKeys`), with some members' canonical JSON already made (`pieces`): what the audit
 * chain hashes per record, without sorting or serialising anything twice.
 */
export function canonicalWithKnownKeys(
  obj: Record<string, unknown>,
  sortedKeys: readonly string[],
  pieces: Record<string, string> = {},
): string {
  let s = '{'
  let first = true
  for (const k of sortedKeys) {
    const item = obj[k]
    if (skip(item)) continue
    if (!first) s += ','
    first = false
    s += `${quote(k)}:${pieces[k] ?? write(item)}`
  }
  return `${s}}`
}

function write(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v)
    case 'number':
      if (!Number.isFinite(v)) throw new Error('non-finite numbers are not allowed in canonical JSON')
      return JSON.stringify(v)
    case 'boolean':
      return v ? 'true' : 'false'
    case 'object':
      break
    default:
      return 'null'
  }
  if (v === null) return 'null'
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function')
    return write((v as { toJSON(): unknown }).toJSON())
  if (Array.isArray(v)) {
    let s = '['
    for (let i = 0; i < v.length; i++) {
      if (i > 0) s += ','
      s += skip(v[i]) ? 'null' : write(v[i])
    }
    return `${s}]`
  }
  const obj = v as Record<string, unknown>
  const keys = Object.keys(obj)
  // Our own records are built with their keys in order already: check before sorting.
  if (!inOrder(keys)) keys.sort()
  let s = '{'
  let first = true
  for (const k of keys) {
    const item = obj[k]
    if (skip(item)) continue
    if (!first) s += ','
    first = false
    s += `${quote(k)}:${write(item)}`
  }
  return `${s}}`
}
