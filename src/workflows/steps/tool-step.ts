/**
 * A tool step: one HTTP call described by the recipe's `tools` contract. The rendered body is
 * validated against the tool's `input` schema before anything is sent, the call goes through
 * the egress-guarded fetch (SSRF guard + org egress policy), carries
 * `Idempotency-Key: <run id>:<step id>` so a resumed run never double-posts, and the JSON
 * response must match the tool's `output` schema.
 * @module
 */
import { BodyTooLargeError, readCapped } from '../../egress/read-capped.js'
import { validateAgainst } from '../json-schema.js'
import type { Tool } from '../recipe-types.js'
import { StepError } from './step-error.js'

/**
 * Egress-guarded fetch for user-set URLs (rt.gateway.egress.fetch in production).
 * `restricted`: nobody who may vouch for a destination chose this URL (see ToolStepInput).
 */
export type ToolFetch = (
  orgId: string,
  url: string,
  init: RequestInit,
  opts?: { restricted?: boolean },
) => Promise<Response>

export interface ToolStepInput {
  toolName: string
  tool: Tool
  url: string
  headers: Record<string, string>
  body: unknown
  orgId: string
  idempotencyKey: string
  fetch: ToolFetch
  /**
   * The recipe's author is not an org owner/admin: the call may reach loopback/private
   * addresses only at the org's privateOrigins (a member must not probe the internal network).
   */
  restricted?: boolean
  signal?: AbortSignal
}

const MAX_RESPONSE_BYTES = 1024 * 1024

export async function runToolStep(input: ToolStepInput): Promise<{ output: unknown; latencyMs: number }> {
  const { tool, toolName } = input
  const hasBody = tool.method !== 'GET' && tool.method !== 'DELETE'
  if (tool.input) {
    const err = validateAgainst(tool.input, input.body ?? {})
    if (err) throw new StepError(`tool ${toolName}: request does not match its input schema: ${err}`, false)
  }
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...lowerKeys(input.headers),
    'idempotency-key': input.idempotencyKey,
  }
  if (hasBody) headers['content-type'] = 'application/json'
  const timeout = AbortSignal.timeout(tool.timeout_ms)
  const signal = input.signal ? AbortSignal.any([input.signal, timeout]) : timeout
  const started = performance.now()
  let res: Response
  try {
    res = await input.fetch(
      input.orgId,
      input.url,
      {
        method: tool.method,
        headers,
        body: hasBody ? JSON.stringify(input.body ?? {}) : undefined,
        signal,
      },
      { restricted: input.restricted === true },
    )
  } catch (err) {
    throw describeFetchError(toolName, err, input.signal)
  }
  const text = await readLimited(res, toolName)
  const latencyMs = Math.round(performance.now() - started)
  if (res.status >= 300) {
    // 5xx and 429 may pass on a retry (same idempotency key); 3xx is never followed (SSRF).
    const retryable = res.status >= 500 || res.status === 429 || res.status === 408
    throw new StepError(`tool ${toolName}: HTTP ${res.status}`, retryable)
  }
  let output: unknown = text
  const type = res.headers.get('content-type') ?? ''
  if (tool.output || type.includes('json')) {
    try {
      output = text.length ? JSON.parse(text) : null
    } catch {
      throw new StepError(`tool ${toolName}: response is not valid JSON`, false)
    }
  }
  if (tool.output) {
    const err = validateAgainst(tool.output, output)
    if (err) throw new StepError(`tool ${toolName}: response does not match its output schema: ${err}`, false)
  }
  return { output, latencyMs }
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]))
}

/** The answer's text, read no further than 1 MiB (the receiver chooses its size). */
async function readLimited(res: Response, toolName: string): Promise<string> {
  const tooLarge = () => new StepError(`tool ${toolName}: response larger than 1 MiB`, false)
  const declared = Number(res.headers.get('content-length') ?? '0')
  if (declared > MAX_RESPONSE_BYTES) {
    res.body?.cancel().catch(() => {})
    throw tooLarge()
  }
  try {
    return (await readCapped(res.body, MAX_RESPONSE_BYTES)).toString('utf8')
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw tooLarge()
    throw err
  }
}

function describeFetchError(toolName: string, err: unknown, outer?: AbortSignal): StepError {
  if (outer?.aborted) return new StepError('cancelled', false)
  const e = err as Error & { cause?: Error & { code?: string } }
  // Egress refusals (SSRF guard / policy) surface as EgressBlockedError, possibly as the cause.
  const blocked = [e, e?.cause].find((x) => x?.name === 'EgressBlockedError')
  if (blocked) return new StepError(`tool ${toolName}: refused by egress policy: ${blocked.message}`, false)
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return new StepError(`tool ${toolName}: timed out`, true)
  return new StepError(
    `tool ${toolName}: request failed (${e?.cause?.code ?? e?.message ?? 'network error'})`,
    true,
  )
}
