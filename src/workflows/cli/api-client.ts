/**
 * The CLI's client for the workflows API of a running server (LATCHKEY_URL, LATCHKEY_TOKEN):
 * the CLI never touches the database, so budgets, routing, metering and audit apply to it
 * exactly as to any other caller.
 * @module
 */
import { createHash } from 'node:crypto'
import { parseRecipe } from '../parse-recipe.js'

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message)
  }
}

export interface ApiClient {
  call<T>(method: string, path: string, body?: unknown): Promise<T>
}

export function apiClient(url: string, token: string): ApiClient {
  return {
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
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
      const text = await res.text()
      if (!res.ok) {
        let msg = `HTTP ${res.status}`
        try {
          msg = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? msg
        } catch {
          // Not JSON: keep the status.
        }
        throw new ApiError(`server refused (${res.status}): ${msg}`, res.status)
      }
      return (text ? JSON.parse(text) : undefined) as T
    },
  }
}

export interface StepJson {
  id: string
  kind: string
  model: string | null
  provider: string | null
  status: string
  usage: { inputTokens: number; outputTokens: number } | null
  costUsd: number | null
  latencyMs: number | null
  error: string | null
}

export interface RunJson {
  id: string
  status: string
  steps: StepJson[]
  output: unknown
  error: string | null
  usage: { inputTokens: number; outputTokens: number }
  costUsd: number | null
  waitingReview: { stepId: string; role: string; message: string | null } | null
}

/**
 * The server-side workflow for a local recipe file: reused when the latest version has the
 * same text, saved as a new version when the text changed, created when the name is new.
 * The recipe is parsed locally first so syntax errors show without a round trip.
 */
export async function ensureWorkflow(
  client: ApiClient,
  yaml: string,
): Promise<{ id: string; version: number }> {
  const { name } = parseRecipe(yaml)
  const sha = createHash('sha256').update(yaml).digest('hex')
  const list = await client.call<{ data: { id: string; version: number; yamlSha256: string }[] }>(
    'GET',
    `/api/v1/workflows?name=${encodeURIComponent(name)}`,
  )
  const found = list.data[0]
  if (found && found.yamlSha256 === sha) return found
  if (found) return client.call('PUT', `/api/v1/workflows/${found.id}`, { yaml })
  return client.call('POST', '/api/v1/workflows', { yaml })
}

/** Waits for a run to finish; tells the user once when it is parked at a review gate. */
export async function waitForRun(
  client: ApiClient,
  runId: string,
  onReview?: (r: RunJson) => void,
): Promise<RunJson> {
  let told = false
  for (;;) {
    const r = await client.call<RunJson>('GET', `/api/v1/runs/${runId}?wait=30`)
    if (r.status === 'waiting_review') {
      if (!told) onReview?.(r)
      told = true
      await new Promise((res) => setTimeout(res, 2000))
      continue
    }
    if (r.status !== 'queued' && r.status !== 'running') return r
  }
}

/** `--set step.model=cred/model` (repeatable) → {step: model}. */
export function parseSets(sets: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const s of sets) {
    const m = /^([A-Za-z][A-Za-z0-9_-]*)\.model=(.+)$/.exec(s)
    if (!m) throw new Error(`--set ${s}: expected <step>.model=<credential>/<model>`)
    out[m[1]!] = m[2]!
  }
  return out
}
