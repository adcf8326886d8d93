/**
 * Workflow helpers for the CLI over the shared server client (src/cli/api-client.ts): the
 * run JSON shapes, saving a local recipe as a server workflow, waiting for a run.
 * @module
 */
import { createHash } from 'node:crypto'
import type { JsonClient } from '../../cli/api-client.js'
import { parseRecipe } from '../parse-recipe.js'

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
  client: JsonClient,
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
  client: JsonClient,
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
