/**
 * Per-call translation state: strict/lenient mode and the warnings collected while mapping.
 * A parameter the target cannot honour is mapped when it can be, otherwise rejected with a
 * 400 (strict) or dropped with a warning (lenient, the default) — the vercel/ai convention.
 * @module
 */
import { badRequest } from '../../errors/app-error.js'

export type TranslateMode = 'strict' | 'lenient'

export class TranslateContext {
  readonly warnings: string[] = []
  constructor(
    readonly mode: TranslateMode = 'lenient',
    /** Target name used in messages, e.g. `anthropic`. */
    readonly target = 'provider',
  ) {}

  /** A parameter the target cannot honour: 400 in strict mode, a warning otherwise. */
  unsupported(param: string, why = `not supported by ${this.target}`): void {
    if (this.mode === 'strict') {
      throw badRequest(`parameter '${param}' ${why} (strict mode)`, { param, code: 'unsupported_parameter' })
    }
    this.warnings.push(`${param}: ${why}; dropped`)
  }

  /** `unsupported()` for each of `params` the request sets (`false` flags count as unset). */
  unsupportedIfSet<R extends object>(req: R, params: readonly (keyof R & string)[]): void {
    // First over the request's own (few) keys: looking absent names up one by one is the slow
    // part, and most requests set none of them.
    let any = false
    for (const k in req) if ((params as readonly string[]).includes(k)) any = true
    if (!any) return
    for (const p of params) if (req[p] != null && req[p] !== false) this.unsupported(p)
  }

  /** A lossy but accepted mapping worth telling the caller about. */
  note(message: string): void {
    this.warnings.push(message)
  }
}

/**
 * The warning headers both gateway endpoints carry: `x-latchkey-warning` (text, `; `-separated,
 * one line) and the RFC 7234 `warning` (`299 latchkey "…"` each), both bounded.
 */
export function warningHeaders(warnings: readonly string[]): Record<string, string> {
  if (warnings.length === 0) return {}
  const lines = warnings.map((w) => w.replace(/[\r\n]/g, ' '))
  return {
    'x-latchkey-warning': lines.join('; ').slice(0, 2000),
    warning: rfcWarnings(lines),
  }
}

/**
 * Puts `warnings` (the caller-side translation's) before the warning headers a target already
 * set, in both headers. The headers are merged as text: a warning's own `; ` would make
 * splitting them back apart ambiguous.
 */
export function prependWarnings(warnings: readonly string[], headers: Record<string, string>): void {
  const own = warningHeaders(warnings)
  const text = own['x-latchkey-warning']
  const rfc = own.warning
  if (!text || !rfc) return
  const theirText = headers['x-latchkey-warning']
  headers['x-latchkey-warning'] = (theirText ? `${text}; ${theirText}` : text).slice(0, 2000)
  const theirRfc = headers.warning
  const both = theirRfc ? `${rfc}, ${theirRfc}` : rfc
  // Whole entries only: past the bound the target's part is dropped rather than cut.
  headers.warning = both.length <= 2000 ? both : rfc
}

/** `299 latchkey "…"` entries, whole ones only, up to ~2000 characters. */
function rfcWarnings(lines: string[]): string {
  const out: string[] = []
  let size = 0
  for (const w of lines) {
    const entry = `299 latchkey "${w.replace(/["\\]/g, "'").slice(0, 500)}"`
    if (out.length > 0 && size + entry.length > 2000) break
    out.push(entry)
    size += entry.length + 2
  }
  return out.join(', ')
}
