/**
 * Which targets a call tries, in which order, under which retry/timeout policy. A direct
 * `<credential>/<model>` is a plan of one target with the default policy; a route alias puts
 * its weighted targets first (weighted random order, so load spreads by weight and a failing
 * target's share moves to the others) and then its fallbacks in the order given.
 * @module
 */
import { badRequest, forbidden, notFound } from '../errors/app-error.js'
import type { Principal } from '../identity/principal.js'
import { kindInfo } from '../providers/kinds.js'
import { adapterFor, type Endpoint, type ProviderAdapter } from './provider-adapter.js'
import type { StoredRoute } from './routes-store.js'
import type { CredentialLookup, CredentialMaterial } from './spec/v1/index.js'

export interface Policy {
  /** Tries per target (1 = no retry on the same target). */
  attempts: number
  backoffMs: number
  maxBackoffMs: number
  /** Longest upstream retry-after honoured; longer waits fail over instead. */
  maxRetryAfterMs: number
  /** Per attempt: until the whole body (non-stream) or the first event / between events (stream). */
  timeoutMs: number
  /** Whole call, all attempts and waits included (streams: until the first event). */
  deadlineMs: number
}

export const DEFAULT_POLICY: Policy = {
  attempts: 2,
  backoffMs: 250,
  maxBackoffMs: 5_000,
  maxRetryAfterMs: 10_000,
  timeoutMs: 120_000,
  deadlineMs: 300_000,
}

export interface Plan {
  requested: string
  route: StoredRoute | null
  models: string[]
  policy: Policy
}

export interface Target {
  model: string
  credential: CredentialMaterial
  upstreamModel: string
  adapter: ProviderAdapter
}

const MODEL_HELP =
  'name models as <credential>/<model> (e.g. openai-prod/gpt-4.1-mini) or a route alias; GET /v1/models lists them'

/** Weighted random order without replacement (weight 0 = never picked). */
export function weightedOrder<T extends { weight?: number }>(items: T[], random = Math.random): T[] {
  const pool = items.filter((t) => (t.weight ?? 1) > 0)
  const out: T[] = []
  while (pool.length > 0) {
    const total = pool.reduce((s, t) => s + (t.weight ?? 1), 0)
    let r = random() * total
    let i = 0
    for (; i < pool.length - 1; i++) {
      r -= pool[i]!.weight ?? 1
      if (r < 0) break
    }
    out.push(pool.splice(i, 1)[0]!)
  }
  return out
}

export function planFor(model: string, route: StoredRoute | undefined): Plan {
  if (!route) return { requested: model, route: null, models: [model], policy: DEFAULT_POLICY }
  const models = [...weightedOrder(route.targets).map((t) => t.model), ...route.fallbacks.map((f) => f.model)]
  const policy: Policy = {
    ...DEFAULT_POLICY,
    attempts: route.retry.attempts,
    backoffMs: route.retry.backoffMs ?? DEFAULT_POLICY.backoffMs,
    maxRetryAfterMs: route.retry.maxRetryAfterMs ?? DEFAULT_POLICY.maxRetryAfterMs,
    timeoutMs: route.timeoutMs ?? DEFAULT_POLICY.timeoutMs,
    deadlineMs: route.deadlineMs ?? Math.max(DEFAULT_POLICY.deadlineMs, route.timeoutMs ?? 0),
  }
  return { requested: model, route, models, policy }
}

export function unknownModel(model: string): never {
  throw notFound(`model ${JSON.stringify(model)} not found: ${MODEL_HELP}`, {
    code: 'model_not_found',
    param: 'model',
  })
}

/**
 * `<credential>/<model>` → credential material and adapter (from memory). With `alsoUsableBy`
 * (a workflow recipe's last editor), the credential the caller resolves must be the very one
 * that principal resolves under the same name and may use: a run never spends a key its
 * recipe's author could not (names resolve personal first, so the same name can mean
 * different keys for different people).
 */
export async function resolveTarget(
  credentials: CredentialLookup,
  p: Principal,
  model: string,
  endpoint: Endpoint,
  alsoUsableBy?: Principal,
): Promise<Target> {
  const slash = model.indexOf('/')
  if (slash <= 0 || slash === model.length - 1) unknownModel(model)
  const name = model.slice(0, slash)
  const upstreamModel = model.slice(slash + 1)
  const credential = await credentials.find(p, name)
  if (!credential) unknownModel(model)
  if (alsoUsableBy && alsoUsableBy.id !== p.id) {
    const other = await credentials.find(alsoUsableBy, name).catch(() => null)
    if (other?.credentialId !== credential.credentialId) {
      throw forbidden(
        `credential ${name} is not usable by ${alsoUsableBy.name}, the recipe version's last editor`,
        { code: 'credential_not_shared', param: 'model' },
      )
    }
  }
  if (credential.models.length > 0 && !credential.models.includes(upstreamModel)) {
    throw notFound(
      `credential ${name} does not allow model ${upstreamModel} (allowed: ${credential.models.join(', ')})`,
      {
        code: 'model_not_found',
        param: 'model',
      },
    )
  }
  const wire = kindInfo(credential.provider)?.wire ?? 'none'
  const adapter = adapterFor(wire)
  if (!adapter?.supports(endpoint, credential)) {
    throw badRequest(
      `credential kind ${credential.provider} cannot serve this endpoint yet (${endpointPath(endpoint)})`,
      {
        code: 'unsupported_endpoint',
        param: 'model',
      },
    )
  }
  return { model, credential, upstreamModel, adapter }
}

export function endpointPath(e: Endpoint): string {
  return e === 'chat' ? '/v1/chat/completions' : e === 'embeddings' ? '/v1/embeddings' : '/v1/responses'
}
