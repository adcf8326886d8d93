/**
 * GET /v1/models: the models a principal may use, from every credential kind. Per credential:
 * its allowed list when it has one, otherwise the provider's own list endpoint (discovered
 * through the egress guard and cached per credential version for 10 minutes; a failure is
 * cached for a minute so a dead upstream does not slow every listing). Route aliases of the
 * org are listed too. Each entry says what the model is for (`mode`: chat, embedding, …) and
 * can do (`capabilities`), so pickers offer chat models for chat and embedders for embeddings.
 * @module
 */
import type { EgressService } from '../egress/egress-service.js'
import type { Principal } from '../identity/principal.js'
import { kindInfo } from '../providers/kinds.js'
import { type ModelMode, modelCapabilities, modelMode, type UpstreamModel } from '../providers/model-modes.js'
import { adapterFor } from './provider-adapter.js'
import type { RoutesStore } from './routes-store.js'
import type { CredentialLookup, CredentialMaterial } from './spec/v1/index.js'

export interface ListedModel {
  /** `<credential>/<model>` or a route alias. */
  id: string
  /** Provider kind, or `latchkey-route` for an alias. */
  ownedBy: string
  created: number
  mode: ModelMode
  capabilities: string[]
  /** Credential name, kind, category and region (absent for route aliases). */
  credential?: string
  provider?: string
  category?: string
  region?: string | null
  contextWindow?: number
}

const TTL_OK = 10 * 60_000
const TTL_FAIL = 60_000
const DISCOVERY_TIMEOUT = 5_000

export class ModelCatalog {
  #cache = new Map<string, { until: number; models: Promise<UpstreamModel[]> }>()

  constructor(
    private readonly credentials: () => CredentialLookup,
    private readonly egress: EgressService,
    private readonly routes: RoutesStore,
  ) {}

  async list(p: Principal): Promise<ListedModel[]> {
    const creds = await this.credentials().list(p)
    const out: ListedModel[] = []
    const lists = await Promise.all(creds.map((c) => this.#models(p, c)))
    creds.forEach((c, i) => {
      for (const m of lists[i] ?? []) out.push(listed(c, m))
    })
    for (const r of this.routes.list(p.orgId)) {
      out.push({
        id: r.alias,
        ownedBy: 'latchkey-route',
        created: Math.floor(r.createdAt / 1000),
        mode: 'chat',
        capabilities: ['chat'],
      })
    }
    return out
  }

  async #models(p: Principal, c: CredentialMaterial): Promise<UpstreamModel[]> {
    if (c.models.length > 0) return c.models.map((id) => ({ id }))
    const adapter = adapterFor(kindInfo(c.provider)?.wire ?? 'none')
    if (!adapter?.listModels) return []
    const key = `${c.credentialId}:${c.version}`
    const hit = this.#cache.get(key)
    if (hit && hit.until > Date.now()) return hit.models
    const entry = { until: Date.now() + TTL_OK, models: Promise.resolve<UpstreamModel[]>([]) }
    entry.models = (async () => {
      try {
        const dispatcher = this.egress.dispatcher(this.egress.policyFor(p.orgId, c.privateOk === false))
        return await adapter.listModels!(c, dispatcher, AbortSignal.timeout(DISCOVERY_TIMEOUT))
      } catch {
        entry.until = Date.now() + TTL_FAIL
        return []
      }
    })()
    this.#cache.set(key, entry)
    return entry.models
  }
}

function listed(c: CredentialMaterial, m: UpstreamModel): ListedModel {
  const mode = modelMode(c.provider, m)
  return {
    id: `${c.name}/${m.id}`,
    ownedBy: c.provider,
    created: 0,
    mode,
    capabilities: modelCapabilities(c.provider, m.id, mode),
    credential: c.name,
    provider: c.provider,
    category: kindInfo(c.provider)?.category ?? 'local',
    region: c.region,
    ...(m.contextWindow ? { contextWindow: m.contextWindow } : {}),
  }
}
