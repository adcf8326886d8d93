/**
 * Routes (aliases over weighted targets and ordered fallbacks), stored per org in
 * `gateway_routes` and served from memory: the whole table is loaded at start and reloaded
 * when the `routes` topic changes (on this instance at once, on others through the bus).
 * @module
 */
import { z } from 'zod'
import type { DbHandle } from '../db/database.js'
import { AppError, badRequest, conflict, notFound } from '../errors/app-error.js'
import type { Principal } from '../identity/principal.js'
import { newId } from '../identity/secrets.js'
import type { ChangeBus } from '../state/change-bus.js'
import type { CredentialLookup, RouteSpec } from './spec/v1/index.js'

const MODEL = z
  .string()
  .trim()
  .min(3)
  .max(300)
  .regex(/^[^/\s]+\/\S+$/, 'must be <credential>/<model>')

/** Body of POST /routes and PUT /routes/:alias (alias comes from the path on PUT). */
export const RouteBody = z.strictObject({
  alias: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, . _ : - (no slash: slashes name credentials)'),
  targets: z
    .array(z.strictObject({ model: MODEL, weight: z.number().min(0).max(1000).optional() }))
    .min(1)
    .max(20),
  fallbacks: z
    .array(z.strictObject({ model: MODEL }))
    .max(20)
    .optional(),
  retry: z
    .strictObject({
      attempts: z.number().int().min(1).max(10),
      backoffMs: z.number().int().min(0).max(60_000).optional(),
      maxRetryAfterMs: z.number().int().min(0).max(300_000).optional(),
    })
    .optional(),
  timeoutMs: z.number().int().min(100).max(3_600_000).optional(),
  deadlineMs: z.number().int().min(100).max(3_600_000).optional(),
  mode: z.enum(['strict', 'lenient']).optional(),
})
export type RouteInput = z.infer<typeof RouteBody>

/** A stored route as the API returns it. */
export interface StoredRoute extends RouteSpec {
  id: string
  deadlineMs?: number
  retry: { attempts: number; backoffMs?: number; maxRetryAfterMs?: number }
  createdAt: number
  updatedAt: number
}

/**
 * 400 naming the first target or fallback whose credential does not exist in the org (a
 * typo would otherwise be saved and skipped at every call). A credential the author may not
 * use still counts: it exists, and the route serves those who may.
 */
export async function checkRouteCredentials(
  lookup: CredentialLookup,
  p: Principal,
  input: Pick<RouteInput, 'targets' | 'fallbacks'>,
): Promise<void> {
  const models = [...input.targets, ...(input.fallbacks ?? [])].map((t) => t.model)
  for (const [i, model] of models.entries()) {
    const name = model.slice(0, model.indexOf('/'))
    const exists = lookup.known
      ? await lookup.known(p.orgId, name)
      : await lookup.find(p, name).then(
          (c) => c !== null,
          (err: unknown) => AppError.is(err) && err.status === 403,
        )
    if (!exists) {
      const where = i < input.targets.length ? `targets.${i}` : `fallbacks.${i - input.targets.length}`
      throw badRequest(
        `${where}.model ${JSON.stringify(model)} names credential '${name}', which does not exist`,
        {
          code: 'credential_not_found',
          param: `${where}.model`,
        },
      )
    }
  }
}

function toSpec(input: RouteInput): Omit<StoredRoute, 'id' | 'createdAt' | 'updatedAt' | 'alias'> {
  const s: Omit<StoredRoute, 'id' | 'createdAt' | 'updatedAt' | 'alias'> = {
    targets: input.targets,
    fallbacks: input.fallbacks ?? [],
    retry: input.retry ?? { attempts: 2 },
  }
  if (input.timeoutMs !== undefined) s.timeoutMs = input.timeoutMs
  if (input.deadlineMs !== undefined) s.deadlineMs = input.deadlineMs
  if (input.mode !== undefined) s.mode = input.mode
  return s
}

export class RoutesStore {
  #byOrg = new Map<string, Map<string, StoredRoute>>()
  /** Upstream model ids that some route names (an admin configured them: not caller-chosen). */
  #models = new Set<string>()
  #loading: Promise<void> | null = null

  constructor(
    private readonly db: DbHandle,
    private readonly bus: ChangeBus,
  ) {
    bus.subscribe('routes', () => void this.reload().catch(() => {}))
  }

  /** Loads every route (called at start and on change). */
  reload(): Promise<void> {
    const p = this.#load().finally(() => {
      if (this.#loading === p) this.#loading = null
    })
    this.#loading = p
    return p
  }

  async #load(): Promise<void> {
    const rows = await this.db.db.selectFrom('gateway_routes').selectAll().execute()
    const next = new Map<string, Map<string, StoredRoute>>()
    for (const r of rows) {
      let spec: Partial<StoredRoute>
      try {
        spec = JSON.parse(r.spec) as Partial<StoredRoute>
      } catch {
        continue
      }
      const route: StoredRoute = {
        targets: spec.targets ?? [],
        fallbacks: spec.fallbacks ?? [],
        retry: spec.retry ?? { attempts: 2 },
        ...spec,
        id: r.id,
        alias: r.alias,
        createdAt: Number(r.created_at),
        updatedAt: Number(r.updated_at),
      }
      const m = next.get(r.org_id) ?? new Map<string, StoredRoute>()
      next.set(r.org_id, m)
      m.set(r.alias, route)
    }
    this.#byOrg = next
    const models = new Set<string>()
    for (const m of next.values()) {
      for (const r of m.values()) {
        for (const t of [...r.targets, ...(r.fallbacks ?? [])])
          models.add(t.model.slice(t.model.indexOf('/') + 1))
      }
    }
    this.#models = models
  }

  /** Whether any route names `model` (an upstream model id) as a target or fallback. */
  namesModel(model: string): boolean {
    return this.#models.has(model)
  }

  /** Hot path: from memory only. */
  get(orgId: string, alias: string): StoredRoute | undefined {
    return this.#byOrg.get(orgId)?.get(alias)
  }

  list(orgId: string): StoredRoute[] {
    return [...(this.#byOrg.get(orgId)?.values() ?? [])].sort((a, b) => a.alias.localeCompare(b.alias))
  }

  async create(orgId: string, input: RouteInput, actor: string, audit: AuditHook): Promise<StoredRoute> {
    const now = Date.now()
    const id = newId('route')
    const exists = await this.db.db
      .selectFrom('gateway_routes')
      .select('id')
      .where('org_id', '=', orgId)
      .where('alias', '=', input.alias)
      .executeTakeFirst()
    if (exists)
      throw conflict(`route ${input.alias} already exists`, { code: 'route_exists', param: 'alias' })
    await this.db.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('gateway_routes')
        .values({
          id,
          org_id: orgId,
          alias: input.alias,
          spec: JSON.stringify(toSpec(input)),
          created_by: actor,
          created_at: now,
          updated_at: now,
        })
        .execute()
      await audit(trx, 'route.created', id)
    })
    await this.#changed()
    return this.get(orgId, input.alias)!
  }

  async replace(orgId: string, input: RouteInput, audit: AuditHook): Promise<StoredRoute> {
    const row = await this.db.db
      .selectFrom('gateway_routes')
      .select('id')
      .where('org_id', '=', orgId)
      .where('alias', '=', input.alias)
      .executeTakeFirst()
    if (!row) throw notFound(`no route ${input.alias}`, { code: 'route_not_found' })
    await this.db.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('gateway_routes')
        .set({ spec: JSON.stringify(toSpec(input)), updated_at: Date.now() })
        .where('id', '=', row.id)
        .execute()
      await audit(trx, 'route.updated', row.id)
    })
    await this.#changed()
    return this.get(orgId, input.alias)!
  }

  async remove(orgId: string, alias: string, audit: AuditHook): Promise<void> {
    const row = await this.db.db
      .selectFrom('gateway_routes')
      .select('id')
      .where('org_id', '=', orgId)
      .where('alias', '=', alias)
      .executeTakeFirst()
    if (!row) throw notFound(`no route ${alias}`, { code: 'route_not_found' })
    await this.db.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('gateway_routes').where('id', '=', row.id).execute()
      await audit(trx, 'route.deleted', row.id)
    })
    await this.#changed()
  }

  async #changed(): Promise<void> {
    // Reload here before answering, so the caller's next request sees the change; the bus
    // tells the other instances.
    await this.reload()
    await this.bus.publish('routes')
  }
}

/** Writes the audit event inside the change's transaction. */
// biome-ignore lint/suspicious/noExplicitAny: the transaction type is Kysely's, passed through
export type AuditHook = (trx: any, action: string, routeId: string) => Promise<void>
