/**
 * fast-check arbitraries derived from the JSON schemas of the OpenAPI document: values a
 * schema accepts (within small bounds, so a run stays quick), the same with hostile leaves
 * mixed in, and values aimed at each type's edges (wrong types, limits ±1, huge and odd text).
 */
import fc from 'fast-check'
import type { JsonSchema } from '../security/furnished-org.js'

/** The largest string the fuzzer sends: past every field limit, well under the body limit. */
export const HUGE = 100_000

/** Text that has broken parsers, databases, headers or logs somewhere before. */
export const ODD_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  'x\uDFFFy',
  '\u202Eevil\u202C',
  '\u200B',
  '\uFEFFbom',
  '👩‍👩‍👧‍👦',
  'e\u0301\u0301\u0301',
  '\r\nx-injected: 1',
  '\t',
  '../../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  '%',
  "' OR '1'='1' --",
  '1; DROP TABLE credentials; --',
  '"); select pg_sleep(5); --',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as text
  '${7*7}{{7*7}}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'null',
  'undefined',
  'true',
  '0',
  '-1',
  '1e309',
  'NaN',
  '9007199254740993',
  'a'.repeat(65),
  'a'.repeat(301),
  'A'.repeat(HUGE),
  '😀'.repeat(HUGE / 4),
]

/** Any JSON value that is not what a field of `s` holds, plus limits ±1. */
const WRONG_TYPES: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  -0,
  1e308,
  -1e308,
  2 ** 53 + 2,
  [],
  {},
  [''],
  { '': '' },
  JSON.parse('{"__proto__": {"polluted": true}}'),
  nested(200),
]

function nested(depth: number): unknown {
  let v: unknown = 'deep'
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v }
  return v
}

export const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
)

function types(s: JsonSchema): string[] {
  if (Array.isArray(s.type)) return s.type
  if (s.type) return [s.type]
  if (s.enum) return [...new Set(s.enum.map((v) => (v === null ? 'null' : typeof v)))]
  return []
}

function variants(s: JsonSchema): JsonSchema[] | undefined {
  return s.anyOf ?? s.oneOf
}

/** Limits ±1 and the edges of a field's own type. */
function edges(s: JsonSchema): unknown[] {
  const out: unknown[] = []
  const t = types(s)
  if (t.includes('string')) {
    if (s.maxLength !== undefined) out.push('a'.repeat(s.maxLength), 'a'.repeat(s.maxLength + 1))
    if (s.maxLength !== undefined) out.push('é'.repeat(s.maxLength), '😀'.repeat(Math.floor(s.maxLength / 2)))
    if (s.minLength) out.push('a'.repeat(s.minLength - 1))
    if (s.enum) out.push(`${s.enum[0]} `, String(s.enum[0]).toUpperCase(), 'not-a-member')
  }
  if (t.includes('number') || t.includes('integer')) {
    const lo = s.minimum ?? s.exclusiveMinimum
    const hi = s.maximum ?? s.exclusiveMaximum
    if (lo !== undefined) out.push(lo, lo - 1, lo - 0.5)
    if (hi !== undefined) out.push(hi, hi + 1, hi + 0.5)
    out.push('1', '1e400', 0.1, Number.MAX_SAFE_INTEGER + 2)
  }
  if (t.includes('array')) {
    if (s.maxItems !== undefined) out.push(Array.from({ length: s.maxItems + 1 }, () => 'x'))
    out.push('not-an-array', [null], [[]])
  }
  if (t.includes('object')) out.push({ unknownField: 1 }, [{}])
  return out
}

/** Values a field of `s` should refuse (or take at its very edge). */
export function hostileArb(s: JsonSchema): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...WRONG_TYPES, ...edges(s)) },
    { weight: 2, arbitrary: oddString },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  )
}

/**
 * Values `s` accepts, kept small. With `odd`, every string leaf may also be an odd string
 * (so the fuzzer reaches the fields nested in arrays and objects).
 */
export function validArb(s: JsonSchema, odd = false, depth = 0): fc.Arbitrary<unknown> {
  const vs = variants(s)
  if (vs?.length) return fc.oneof(...vs.map((v) => validArb(v, odd, depth + 1)))
  if (s.allOf?.length) return validArb(s.allOf[0]!, odd, depth + 1)
  if (s.const !== undefined) return fc.constant(s.const)
  if (s.enum?.length) return fc.constantFrom(...s.enum)
  const t = types(s)[0]
  const leaf = (a: fc.Arbitrary<unknown>) => (odd ? fc.oneof(a, oddString) : a)
  switch (t) {
    case 'string':
      return leaf(stringArb(s))
    case 'integer':
      return leaf(fc.integer({ min: intBound(s.minimum, -1000), max: intBound(s.maximum, 1000) }))
    case 'number':
      return leaf(
        fc.double({
          min: s.minimum ?? s.exclusiveMinimum ?? -1000,
          max: s.maximum ?? s.exclusiveMaximum ?? 1000,
          noNaN: true,
          noDefaultInfinity: true,
        }),
      )
    case 'boolean':
      return leaf(fc.boolean())
    case 'null':
      return fc.constant(null)
    case 'array': {
      const items = s.items ? validArb(s.items, odd, depth + 1) : fc.jsonValue({ maxDepth: 1 })
      const min = s.minItems ?? 0
      return fc.array(items, { minLength: min, maxLength: Math.max(min, Math.min(s.maxItems ?? 3, 3)) })
    }
    case 'object': {
      if (s.properties && depth < 6) {
        const props = Object.fromEntries(
          Object.entries(s.properties).map(([k, v]) => [k, validArb(v, odd, depth + 1)]),
        )
        return fc.record(props, { requiredKeys: (s.required ?? []).filter((k) => k in props) })
      }
      const values =
        typeof s.additionalProperties === 'object'
          ? validArb(s.additionalProperties, odd, depth + 1)
          : fc.jsonValue({ maxDepth: 1 })
      return fc.dictionary(odd ? oddString : fc.string({ maxLength: 10 }), values, { maxKeys: 3 })
    }
    default:
      return fc.jsonValue({ maxDepth: 2 })
  }
}

function intBound(v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback
  return Math.max(-(2 ** 31), Math.min(2 ** 31, Math.round(v)))
}

function stringArb(s: JsonSchema): fc.Arbitrary<string> {
  const max = Math.min(s.maxLength ?? 64, 64)
  const min = s.minLength ?? 0
  if (s.pattern) {
    const re = new RegExp(s.pattern)
    const fits = (v: string) => v.length >= min && (s.maxLength === undefined || v.length <= s.maxLength)
    return fc.stringMatching(re).filter(fits)
  }
  if (s.format === 'email') return fc.emailAddress()
  return fc.string({ unit: 'binary', minLength: min, maxLength: Math.max(min, max) })
}

/** One value `s` accepts, chosen without randomness (the operation's baseline example). */
export function exampleOf(s: JsonSchema | undefined, name = ''): unknown {
  if (!s) return undefined
  if (s.default !== undefined) return s.default
  const vs = variants(s)
  if (vs?.length) return exampleOf(vs.find((v) => v.type !== 'null') ?? vs[0], name)
  if (s.const !== undefined) return s.const
  if (s.enum?.length) return s.enum[0]
  switch (types(s)[0]) {
    case 'string': {
      const candidates = ['fuzz', 'fuzz@example.com', 'oa/gpt-4o-mini', '1', '0'.repeat(64)]
      const re = s.pattern ? new RegExp(s.pattern) : null
      const hit = candidates.find(
        (c) =>
          (!re || re.test(c)) &&
          c.length >= (s.minLength ?? 0) &&
          c.length <= (s.maxLength ?? Number.POSITIVE_INFINITY),
      )
      return (
        hit ??
        (re ? fc.sample(fc.stringMatching(re), { seed: 1, numRuns: 1 })[0] : 'f'.repeat(s.minLength ?? 1))
      )
    }
    case 'integer':
    case 'number':
      return Math.max(s.minimum ?? 1, Math.min(1, s.maximum ?? 1))
    case 'boolean':
      return false
    case 'null':
      return null
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => exampleOf(s.items, name))
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const k of s.required ?? []) out[k] = exampleOf(s.properties?.[k], k)
      return out
    }
    default:
      return name ? 'fuzz' : {}
  }
}
