/**
 * The one fetch wrapper the pages use: same-origin cookie session, CSRF header on writes,
 * typed errors carrying the server's `{error: {type, message, code}}` text.
 * @module
 */

const CSRF_KEY = 'lk.csrf'
const BEARER_KEY = 'lk.bearer'

/** An error answer from the server (or the network), with text fit to show a person. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
    readonly param?: string,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

// Guarded so the pure helpers that import this module also load under Node (unit tests).
const tabStore: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null =
  typeof sessionStorage === 'undefined' ? null : sessionStorage
let csrfToken: string | null = tabStore?.getItem(CSRF_KEY) ?? null
// Only used when the server has no session endpoint: the token then lives in this tab only.
let bearerToken: string | null = tabStore?.getItem(BEARER_KEY) ?? null

export function setCsrfToken(token: string | null): void {
  csrfToken = token
  if (token) tabStore?.setItem(CSRF_KEY, token)
  else tabStore?.removeItem(CSRF_KEY)
}

export function setBearerToken(token: string | null): void {
  bearerToken = token
  if (token) tabStore?.setItem(BEARER_KEY, token)
  else tabStore?.removeItem(BEARER_KEY)
}

export function hasBearerToken(): boolean {
  return bearerToken !== null
}

/** The server's double-submit cookie (`lk_csrf`, readable by this page only: SameSite=Strict). */
function csrfFromCookie(): string | null {
  const m = /(?:^|;\s*)lk_csrf=([^;]+)/.exec(document.cookie)
  return m ? decodeURIComponent(m[1]!) : null
}

/** Headers every call carries: JSON, CSRF on writes, bearer only in the fallback mode. */
export function authHeaders(method: string, json: boolean): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json' }
  if (json) h['content-type'] = 'application/json'
  if (bearerToken) h.authorization = `Bearer ${bearerToken}`
  const csrf = csrfFromCookie() ?? csrfToken
  if (csrf && !['GET', 'HEAD'].includes(method)) h['x-csrf-token'] = csrf
  return h
}

/** Reads an error body in any of the server's three protocol shapes. */
export async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown
  try {
    body = await res.json()
  } catch {
    body = undefined
  }
  const err = (body as { error?: Record<string, unknown> } | undefined)?.error
  const message =
    typeof err?.message === 'string' && err.message ? err.message : `${res.status} ${res.statusText}`.trim()
  return new ApiError(
    res.status,
    typeof err?.type === 'string' ? err.type : 'http_error',
    message,
    typeof err?.code === 'string' ? err.code : undefined,
    typeof err?.param === 'string' ? err.param : undefined,
    err,
  )
}

type Listener = () => void
const unauthorizedListeners = new Set<Listener>()
/** Called when any call answers 401, so the shell can send the person back to sign-in. */
export function onUnauthorized(fn: Listener): () => void {
  unauthorizedListeners.add(fn)
  return () => unauthorizedListeners.delete(fn)
}

export interface RequestOptions {
  signal?: AbortSignal
  /** Don't broadcast a 401 (the sign-in page probes with these). */
  quiet401?: boolean
}

/** Raw call: returns the Response when ok, throws ApiError otherwise. */
export async function request(
  method: string,
  path: string,
  body?: unknown,
  opts: RequestOptions = {},
): Promise<Response> {
  let res: Response
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: authHeaders(method, body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: opts.signal,
    })
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e
    throw new ApiError(0, 'network_error', 'cannot reach the Latchkey server: check that it is running')
  }
  if (!res.ok) {
    const err = await toApiError(res)
    if (res.status === 401 && !opts.quiet401) for (const fn of unauthorizedListeners) fn()
    throw err
  }
  return res
}

/** JSON call; 204 gives `undefined`. */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  opts?: RequestOptions,
): Promise<T> {
  const res = await request(method, path, body, opts)
  if (res.status === 204) return undefined as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

export const get = <T>(path: string, opts?: RequestOptions) => api<T>('GET', path, undefined, opts)
export const post = <T>(path: string, body?: unknown, opts?: RequestOptions) =>
  api<T>('POST', path, body ?? {}, opts)
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body)
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body)
export const del = <T = void>(path: string, body?: unknown) => api<T>('DELETE', path, body)

/** Builds a query string, skipping empty values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams()
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') u.set(k, String(v))
  const s = u.toString()
  return s ? `?${s}` : ''
}
