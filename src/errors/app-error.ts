/**
 * The one error type every layer throws; the server renders it in the caller's protocol.
 * `type` uses the vocabulary shared by OpenAI and Anthropic error bodies.
 * @module
 */

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  /** 402: the upstream account is out of credit (Anthropic's name; OpenAI clients read the status). */
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'request_too_large'
  | 'unsupported_media_type'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error'
  | 'timeout_error'

export interface AppErrorOptions {
  /** Stable machine code, e.g. `model_not_found`, `token_revoked`. */
  code?: string
  /** The request field at fault, when there is one (OpenAI's `param`). */
  param?: string
  /** Extra response headers (e.g. retry-after). */
  headers?: Record<string, string>
  /** Whether a gateway may retry or fail over on this error. */
  retryable?: boolean
  cause?: unknown
  /** Extra JSON fields merged into the error object (never secrets). */
  details?: Record<string, unknown>
}

export class AppError extends Error {
  override name = 'AppError'
  readonly status: number
  readonly type: ErrorType
  readonly code: string | undefined
  readonly param: string | undefined
  readonly headers: Record<string, string>
  readonly retryable: boolean
  readonly details: Record<string, unknown> | undefined

  constructor(status: number, type: ErrorType, message: string, opts: AppErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.status = status
    this.type = type
    this.code = opts.code
    this.param = opts.param
    this.headers = opts.headers ?? {}
    this.retryable = opts.retryable ?? (status === 408 || status === 429 || status >= 500)
    this.details = opts.details
  }

  static is(err: unknown): err is AppError {
    return err instanceof AppError
  }
}

export const badRequest = (message: string, opts?: AppErrorOptions) =>
  new AppError(400, 'invalid_request_error', message, opts)
export const unauthorized = (message = 'missing or invalid credentials', opts?: AppErrorOptions) =>
  new AppError(401, 'authentication_error', message, opts)
export const forbidden = (message = 'not allowed', opts?: AppErrorOptions) =>
  new AppError(403, 'permission_error', message, opts)
export const notFound = (message = 'not found', opts?: AppErrorOptions) =>
  new AppError(404, 'not_found_error', message, opts)
export const conflict = (message: string, opts?: AppErrorOptions) =>
  new AppError(409, 'conflict_error', message, opts)
export const tooLarge = (message = 'request body too large', opts?: AppErrorOptions) =>
  new AppError(413, 'request_too_large', message, opts)
export const rateLimited = (message: string, retryAfterSeconds?: number, opts?: AppErrorOptions) =>
  new AppError(429, 'rate_limit_error', message, {
    ...opts,
    headers: {
      ...(opts?.headers ?? {}),
      ...(retryAfterSeconds !== undefined
        ? { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) }
        : {}),
    },
  })
