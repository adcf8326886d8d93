/**
 * The one HTTP client for CLI commands that talk to a running server (LATCHKEY_URL,
 * LATCHKEY_TOKEN): keys, audit, run/compare and check-swap. The CLI never touches the
 * database for these, so rights, budgets, routing, metering and audit apply to it exactly as
 * to any other caller. Errors carry the server's message and status; status 0 means the
 * server could not be reached.
 * @module
 */
import { loadConfig } from '../config/config.js'
import { CliError } from './index.js'

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message)
  }
}

export interface ApiClient {
  /** Sends a JSON request and parses the JSON answer (undefined for an empty body). */
  call<T>(method: string, path: string, body?: unknown): Promise<T>
  /** Sends a request and returns the response once its status is a success (for streams). */
  send(method: string, path: string, body?: unknown): Promise<Response>
}

/** What JSON-only callers (workflow helpers, batch runs) need; tests fake just this. */
export type JsonClient = Pick<ApiClient, 'call'>

export function apiClient(url: string, token: string): ApiClient {
  const send = async (method: string, path: string, body?: unknown): Promise<Response> => {
    let res: Response
    try {
      res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      })
    } catch (err) {
      const e = err as Error & { cause?: Error }
      throw new ApiError(`cannot reach ${url} (LATCHKEY_URL): ${e.cause?.message ?? e.message}`, 0)
    }
    if (!res.ok) {
      const text = await res.text()
      let msg = `HTTP ${res.status}`
      try {
        msg = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? msg
      } catch {
        // Not JSON: keep the status.
      }
      throw new ApiError(`server refused (${res.status}): ${msg}`, res.status)
    }
    return res
  }
  return {
    send,
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const text = await (await send(method, path, body)).text()
      return (text ? JSON.parse(text) : undefined) as T
    },
  }
}

/**
 * Client for the configured server; fails early naming the env var to set.
 * `need` says what the token must be (e.g. "with role auditor or higher").
 */
export function clientFrom(env: NodeJS.ProcessEnv = process.env, need = 'for this server'): ApiClient {
  const config = loadConfig(env)
  if (!config.token) throw new CliError(`set LATCHKEY_TOKEN to an access token (lk_…) ${need}`)
  return apiClient(config.url, config.token)
}
