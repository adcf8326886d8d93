/**
 * The route editor's form and the `/api/v1/routes` body (src/gateway/routes-store.ts
 * RouteBody): numbers typed as text, empty = the server's default, and the checks a person
 * should see before saving (the server checks again, and names the field if it refuses).
 * @module
 */

export interface RouteView {
  alias: string
  targets: { model: string; weight?: number }[]
  fallbacks: { model: string }[]
  retry: { attempts: number; backoffMs?: number; maxRetryAfterMs?: number } | null
  timeoutMs: number | null
  deadlineMs: number | null
  mode: 'strict' | 'lenient' | null
  createdAt?: number
  updatedAt?: number
}

export interface RouteForm {
  alias: string
  targets: { model: string; weight: string }[]
  fallbacks: string[]
  attempts: string
  backoffMs: string
  timeoutMs: string
  mode: '' | 'strict' | 'lenient'
}

export function emptyRouteForm(): RouteForm {
  return {
    alias: '',
    targets: [{ model: '', weight: '1' }],
    fallbacks: [],
    attempts: '',
    backoffMs: '',
    timeoutMs: '',
    mode: '',
  }
}

export function formOf(r: RouteView): RouteForm {
  return {
    alias: r.alias,
    targets: r.targets.map((t) => ({ model: t.model, weight: String(t.weight ?? 1) })),
    fallbacks: r.fallbacks.map((f) => f.model),
    attempts: r.retry ? String(r.retry.attempts) : '',
    backoffMs: r.retry?.backoffMs !== undefined ? String(r.retry.backoffMs) : '',
    timeoutMs: r.timeoutMs === null ? '' : String(r.timeoutMs),
    mode: r.mode ?? '',
  }
}

/** Problems by field path (the server's `param` names), empty when the form can be sent. */
export function routeFormErrors(f: RouteForm): Record<string, string> {
  const e: Record<string, string> = {}
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(f.alias.trim()))
    e.alias = 'letters, digits, . _ : - (no slash: slashes name keys)'
  f.targets.forEach((t, i) => {
    if (!t.model) e[`targets.${i}.model`] = 'choose a model'
    const w = Number(t.weight)
    if (t.weight !== '' && (!Number.isFinite(w) || w < 0 || w > 1000)) e[`targets.${i}.weight`] = '0 to 1000'
  })
  f.fallbacks.forEach((m, i) => {
    if (!m) e[`fallbacks.${i}.model`] = 'choose a model'
  })
  const int = (v: string, min: number, max: number) => {
    const n = Number(v)
    return Number.isInteger(n) && n >= min && n <= max
  }
  if (f.attempts !== '' && !int(f.attempts, 1, 10)) e['retry.attempts'] = '1 to 10 tries per target'
  if (f.backoffMs !== '' && !int(f.backoffMs, 0, 60_000)) e['retry.backoffMs'] = '0 to 60000 ms'
  if (f.timeoutMs !== '' && !int(f.timeoutMs, 100, 3_600_000)) e.timeoutMs = '100 to 3600000 ms'
  return e
}

/** The request body for POST (or PUT, alias in the path) of a valid form. */
export function routeBody(f: RouteForm): Record<string, unknown> {
  const body: Record<string, unknown> = {
    alias: f.alias.trim(),
    targets: f.targets.map((t) => ({
      model: t.model,
      ...(t.weight === '' ? {} : { weight: Number(t.weight) }),
    })),
    fallbacks: f.fallbacks.map((model) => ({ model })),
  }
  if (f.attempts !== '' || f.backoffMs !== '')
    body.retry = {
      attempts: f.attempts === '' ? 2 : Number(f.attempts),
      ...(f.backoffMs === '' ? {} : { backoffMs: Number(f.backoffMs) }),
    }
  if (f.timeoutMs !== '') body.timeoutMs = Number(f.timeoutMs)
  if (f.mode) body.mode = f.mode
  return body
}

/** Share of calls each target gets first (weight / sum of weights), as whole percents. */
export function shares(targets: { weight?: number }[]): number[] {
  const w = targets.map((t) => Math.max(0, t.weight ?? 1))
  const sum = w.reduce((a, b) => a + b, 0)
  return w.map((x) => (sum ? Math.round((x / sum) * 100) : 0))
}

/** Moves item `i` of a list one place up (-1) or down (+1); fallbacks are tried in order. */
export function move<T>(list: T[], i: number, by: -1 | 1): T[] {
  const j = i + by
  if (j < 0 || j >= list.length) return list
  const out = [...list]
  ;[out[i], out[j]] = [out[j]!, out[i]!]
  return out
}
