/**
 * Logic-less templates: `{{ path }}` placeholders and nothing else (no expressions, no calls,
 * no filters), so a recipe can never execute code. Paths start at `inputs`, `steps.<id>.output`,
 * `secrets.<name>` or `item` (inside `foreach`). A string that is exactly one placeholder keeps
 * the referenced value's type (so `body: "{{ steps.score.output }}"` passes an object); mixed
 * text renders objects as JSON.
 * @module
 */

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g
const SEGMENT = /^[A-Za-z0-9_-]+$/

export type RefRoot = 'inputs' | 'steps' | 'secrets' | 'item'

/** One parsed `{{ … }}` reference. */
export interface TemplateRef {
  root: RefRoot
  /** Segments after the root: for `steps` the first is the step id, then `output`, then fields. */
  path: string[]
  raw: string
}

/** Thrown for a malformed placeholder; the message names the placeholder. */
export class TemplateError extends Error {
  override name = 'TemplateError'
}

export function parseRef(expr: string): TemplateRef {
  const raw = expr.trim()
  const parts = raw.split('.')
  if (parts.some((p) => !SEGMENT.test(p))) {
    throw new TemplateError(`"{{ ${raw} }}" is not a reference (templates hold only dotted paths, no code)`)
  }
  const [root, ...path] = parts as [string, ...string[]]
  switch (root) {
    case 'inputs':
      if (path.length === 0) throw new TemplateError(`"{{ ${raw} }}" must name an input: inputs.<name>`)
      break
    case 'steps':
      if (path.length < 2 || path[1] !== 'output') {
        throw new TemplateError(`"{{ ${raw} }}" must be steps.<id>.output or steps.<id>.output.<field>`)
      }
      break
    case 'secrets':
      if (path.length !== 1) throw new TemplateError(`"{{ ${raw} }}" must be secrets.<name>`)
      break
    case 'item':
      break
    default:
      throw new TemplateError(`"{{ ${raw} }}" must start with inputs, steps, secrets or item`)
  }
  return { root: root as RefRoot, path, raw }
}

/** Every reference in a string. */
export function refsInString(text: string): TemplateRef[] {
  const out: TemplateRef[] = []
  for (const m of text.matchAll(PLACEHOLDER)) out.push(parseRef(m[1]!))
  // A lone "{{" or "}}" is almost always a typo that would otherwise pass through silently.
  const stripped = text.replace(PLACEHOLDER, '')
  if (stripped.includes('{{') || stripped.includes('}}')) {
    throw new TemplateError(`unbalanced "{{" / "}}" in "${text.slice(0, 80)}"`)
  }
  return out
}

/** Every reference in a template value (string, or object/array of them). */
export function refsIn(value: unknown): TemplateRef[] {
  if (typeof value === 'string') return refsInString(value)
  if (Array.isArray(value)) return value.flatMap(refsIn)
  if (value && typeof value === 'object') return Object.values(value).flatMap(refsIn)
  return []
}

/** Values a template can read. Secrets are resolved lazily and only where allowed. */
export interface TemplateScope {
  inputs: Record<string, unknown>
  steps: Record<string, { output: unknown }>
  secrets?: Record<string, string>
  item?: unknown
}

function lookup(ref: TemplateRef, scope: TemplateScope): unknown {
  let cur: unknown
  let rest: string[]
  switch (ref.root) {
    case 'inputs':
      cur = scope.inputs
      rest = ref.path
      break
    case 'steps':
      cur = scope.steps[ref.path[0]!]?.output
      rest = ref.path.slice(2)
      break
    case 'secrets':
      if (!scope.secrets || !(ref.path[0]! in scope.secrets)) {
        throw new TemplateError(`secret ${ref.path[0]} is not available here`)
      }
      return scope.secrets[ref.path[0]!]
    case 'item':
      cur = scope.item
      rest = ref.path
      break
  }
  for (const key of rest) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[key]
  }
  return cur
}

function asText(v: unknown): string {
  if (v === undefined || v === null) return ''
  if (typeof v === 'string') return v
  return JSON.stringify(v)
}

/** Renders a string template: a lone placeholder keeps its value's type, mixed text is a string. */
export function renderString(text: string, scope: TemplateScope): unknown {
  const lone = /^\s*\{\{\s*([^{}]*?)\s*\}\}\s*$/.exec(text)
  if (lone) return lookup(parseRef(lone[1]!), scope)
  return text.replace(PLACEHOLDER, (_m, expr: string) => asText(lookup(parseRef(expr), scope)))
}

/** Renders to text (prompts, URLs, headers). */
export function renderText(text: string, scope: TemplateScope): string {
  return asText(renderString(text, scope))
}

/** Renders a template value recursively (tool `with`, recipe `output`). */
export function renderValue(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === 'string') return renderString(value, scope)
  if (Array.isArray(value)) return value.map((v) => renderValue(v, scope))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderValue(v, scope)]))
  }
  return value
}

/** `when:` truthiness: empty, "false", "0", "no", null, false, 0 and [] are false. */
export function isTruthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0) return false
  if (Array.isArray(v)) return v.length > 0
  if (typeof v === 'string') return !['', 'false', '0', 'no', 'null'].includes(v.trim().toLowerCase())
  return true
}
