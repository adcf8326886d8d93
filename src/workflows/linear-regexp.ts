/**
 * Regular expressions from recipes (JSON Schema `pattern`, `patternProperties`) run on RE2
 * (`re2js`, a pure-JavaScript port): matching time is linear in the input, so a pattern like
 * `^(a+)+$` cannot stall the event loop the way V8's backtracking engine does on
 * `"aaaa…!"`. Linear is not free — RE2 costs up to (program size × input length) when its DFA
 * gives up — so every check is also charged to a work budget per validation, and a value that
 * would exceed it fails validation instead of taking seconds.
 *
 * Why `re2js`: linear-time by construction, no native build (the `re2` binding compiles RE2 and
 * Abseil with node-gyp when its prebuilt download is unreachable — 15 minutes on our 2-core
 * machines — and its current releases require Node 22), maintained, Node ≥ 20. `re2-wasm` has
 * had no release since 2024.
 * @module
 */
import type { RegExpEngine } from 'ajv/dist/types/index.js'
import { RE2JS } from 're2js'

/** A pattern the linear engine cannot run (backreferences, lookaround) or cannot parse. */
export class UnsupportedPatternError extends Error {}

/** A value too large for the schema's patterns within one validation's work budget. */
export class PatternBudgetError extends Error {}

/**
 * Work budget of one validation, in RE2 steps (instructions × characters). RE2's slow path runs
 * at roughly 30–40 ns a step here, so this bounds the worst case near half a second, while a
 * 40-instruction pattern still checks values up to 250,000 characters.
 */
export const PATTERN_WORK_LIMIT = 10_000_000
let workLeft = Number.POSITIVE_INFINITY

/** Runs a synchronous validation with a fresh pattern work budget. */
export function withPatternBudget<T>(fn: () => T, limit = PATTERN_WORK_LIMIT): T {
  const outer = workLeft
  workLeft = limit
  try {
    return fn()
  } finally {
    workLeft = outer
  }
}

// JavaScript's \s (Unicode white space and line terminators); RE2's \s is ASCII only.
const JS_SPACE = '\\t\\n\\x0B\\f\\r\\p{Zs}\\x{2028}\\x{2029}\\x{feff}'

/**
 * ECMAScript pattern → RE2 syntax: `re2js`'s own translation (named groups, `\u` escapes),
 * with `\s`/`\S` widened to JavaScript's meaning outside classes and `\s` inside them. Named
 * backreferences are refused here: the translation would otherwise turn `\k<x>` into the
 * literal text `k<x>`.
 */
function toRe2Syntax(pattern: string): string {
  let out = ''
  let inClass = false
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '\\') {
      const n = pattern[i + 1]
      if (n === 'k' && pattern[i + 2] === '<') throw new UnsupportedPatternError('backreferences')
      if (n === 's') out += inClass ? JS_SPACE : `[${JS_SPACE}]`
      else if (n === 'S' && !inClass) out += `[^${JS_SPACE}]`
      else out += c + (n ?? '')
      i++
      continue
    }
    if (c === '[' && !inClass) inClass = true
    else if (c === ']' && inClass) inClass = false
    out += c
  }
  return RE2JS.translateRegExp(out)
}

function flagsOf(flags: string): number {
  let f = 0
  if (flags.includes('i')) f |= RE2JS.CASE_INSENSITIVE
  if (flags.includes('m')) f |= RE2JS.MULTILINE
  if (flags.includes('s')) f |= RE2JS.DOTALL
  return f
}

export interface LinearRegExp {
  test(s: string): boolean
  /** RE2 program size: a check of a value costs size × length from the budget. */
  readonly size: number
  /** ajv keys compiled patterns by this text: it must differ for different patterns. */
  toString(): string
}

/**
 * Compiles an ECMAScript pattern for the linear engine; throws UnsupportedPatternError naming
 * the pattern when it uses what RE2 cannot do in linear time. `charged`: checks count against
 * the current validation's work budget (author-supplied patterns); fixed patterns of our own
 * (formats) are not charged.
 */
export function linearRegExp(pattern: string, flags = '', charged = true): LinearRegExp {
  let re: RE2JS
  try {
    re = RE2JS.compile(toRe2Syntax(pattern), flagsOf(flags))
  } catch (e) {
    const why = e instanceof UnsupportedPatternError ? e.message : (e as Error).message
    throw new UnsupportedPatternError(
      `pattern ${JSON.stringify(pattern)} is not supported by the linear-time engine ` +
        `(no backreferences or lookaround): ${why}`,
    )
  }
  const size = Math.max(1, (re.re2Input.prog?.inst?.length as number | undefined) ?? pattern.length)
  const text = `/${pattern}/${flags}`
  return {
    size,
    test(s: string): boolean {
      if (charged) {
        workLeft -= size * s.length
        if (workLeft < 0) {
          throw new PatternBudgetError(
            'a value is too long for the schema’s patterns (pattern work limit); shorten it or simplify the pattern',
          )
        }
      }
      return re.test(s)
    },
    toString: () => text,
  }
}

/** ajv's `code.regExp`: every `pattern` and `patternProperties` key compiles here. */
export const ajvLinearRegExp: RegExpEngine = Object.assign(
  (pattern: string, u: string) => linearRegExp(pattern, u.replace('u', '')),
  // Only read by ajv's standalone code generation, which we do not use.
  { code: 'linearRegExp' },
)
