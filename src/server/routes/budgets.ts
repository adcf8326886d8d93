/**
 * `/api/v1/budgets`: USD and/or token limits per org, workspace, user, token or credential,
 * per UTC day, month or one fixed period. Changes are audited in the same transaction and
 * reach every instance's budget cache through the `budgets` bus topic.
 * @module
 */

import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { z } from 'zod'
import { actorEvent } from '../../audit/actor-event.js'
import { badRequest, conflict, notFound } from '../../errors/app-error.js'
import { authorize, can } from '../../identity/authorize.js'
import { type DisplayNames, displayNames } from '../../identity/display-names.js'
import type { Principal } from '../../identity/principal.js'
import { newId } from '../../identity/secrets.js'
import {
  type BudgetDef,
  budgetFromRow,
  MICRO,
  SCOPES,
  toMicro,
  WINDOWS,
} from '../../usage/budgets/budget-model.js'
import { timeParam } from '../../usage/time-param.js'
import { Id, IdParams } from '../id-schema.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'
import { deleteAudited } from './delete-audited.js'

const time = z.union([z.number().int().min(0), timeParam])
const alertUrl = z
  .string()
  .max(2000)
  .refine((v) => /^https?:\/\//i.test(v) && URL.canParse(v), 'expected an http(s) URL')

/** Dollars, exact to the micro-dollar (0.005 works; 0.0000001 is refused, not rounded). */
const limitUsd = z
  .number()
  .finite()
  .min(0)
  .max(1e9)
  .refine((v) => toMicro(v) !== null, 'at most 6 decimal places (limits are kept in micro-dollars)')

const Create = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  scope: z.enum(SCOPES).default('org'),
  scopeId: Id.optional(),
  window: z.enum(WINDOWS).optional(),
  /** Alias of `window` (the web app's name for it). */
  period: z.enum(WINDOWS).optional(),
  limitUsd: limitUsd.nullable().optional(),
  limitTokens: z.number().int().min(0).max(1e15).nullable().optional(),
  startsAt: time.optional(),
  endsAt: time.optional(),
  alertUrl: alertUrl.nullable().optional(),
})

const Patch = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  limitUsd: limitUsd.nullable().optional(),
  limitTokens: z.number().int().min(0).max(1e15).nullable().optional(),
  endsAt: time.optional(),
  alertUrl: alertUrl.nullable().optional(),
})

export async function budgetRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const db = rt.db.db
  const changed = async () => {
    await rt.bus.publish('budgets')
    await rt.usage.budgets.reload()
  }
  /**
   * `alertUrl` only for those who manage budgets: alert URLs are often secret webhooks (a
   * token in the path) that anyone holding one can post to. Others see `alerts: true|false`.
   */
  /**
   * Names of budget targets. Everyone reads budgets; only readers of the member list see
   * which user or token a budget is for by name (a name can carry an email).
   */
  const targetNames = (p: Principal, ids: string[]) =>
    displayNames(
      db,
      p.orgId,
      ids.filter((id) => can(p, 'members:read') || !/^(usr|tok)_/.test(id)),
    )
  /** Everyone reads a budget's name: it names a key or workspace, never a person (an email). */
  const defaultTargetName = async (p: Principal, id: string) =>
    /^(usr|tok)_/.test(id) ? id : ((await displayNames(db, p.orgId, [id]))[id] ?? id)
  const view = async (p: Principal, b: BudgetDef, createdAt?: number, names?: DisplayNames) => {
    const s = await rt.usage.budgets.spent(b)
    const scopeName =
      b.scopeType === 'org' ? null : ((names ?? (await targetNames(p, [b.scopeId])))[b.scopeId] ?? null)
    return {
      id: b.id,
      name: b.name,
      scope: b.scopeType,
      scopeId: b.scopeId,
      scopeName,
      window: b.window,
      period: b.window,
      limitUsd: b.limitUsd,
      limitTokens: b.limitTokens,
      startsAt: b.startsAt,
      endsAt: b.endsAt,
      alerts: b.alertUrl !== null,
      ...(can(p, 'budgets:manage') ? { alertUrl: b.alertUrl } : {}),
      spentUsd: Math.round(s.usd * 1e6) / 1e6,
      spentTokens: s.tokens,
      windowStart: s.window ? new Date(s.window.start).toISOString() : null,
      windowEnd: s.window ? new Date(s.window.end).toISOString() : null,
      ...(createdAt ? { createdAt } : {}),
    }
  }

  app.get(
    '/api/v1/budgets',
    { schema: { tags: ['budgets'], summary: 'Budgets with current spend' } },
    async (req) => {
      const p = principalOf(req)
      authorize(p, 'budgets:read')
      const rows = await db
        .selectFrom('budgets')
        .selectAll()
        .where('org_id', '=', p.orgId)
        .orderBy('created_at')
        .execute()
      const names = await targetNames(
        p,
        rows.map((r) => r.scope_id),
      )
      return {
        data: await Promise.all(rows.map((r) => view(p, budgetFromRow(r), Number(r.created_at), names))),
      }
    },
  )

  app.post(
    '/api/v1/budgets',
    { schema: { tags: ['budgets'], summary: 'Create a budget', body: Create } },
    async (req, reply) => {
      const p = principalOf(req)
      authorize(p, 'budgets:manage')
      const b = req.body as z.infer<typeof Create>
      const window = b.window ?? b.period ?? 'month'
      if (b.window && b.period && b.window !== b.period)
        throw badRequest('window and period differ', { param: 'period' })
      const limitUsd = b.limitUsd ?? null
      const limitTokens = b.limitTokens ?? null
      if (limitUsd === null && limitTokens === null) {
        throw badRequest('a budget needs limitUsd, limitTokens or both', { param: 'limitUsd' })
      }
      if (b.scope !== 'org' && !b.scopeId)
        throw badRequest(`scopeId is required for a ${b.scope} budget`, { param: 'scopeId' })
      const scopeId = b.scope === 'org' ? p.orgId : b.scopeId!
      if (b.scope !== 'org' && !(await scopeInOrg(db, p.orgId, b.scope, scopeId))) {
        // A budget over another org's object would match none of this org's calls, and its
        // spend figures must never be computed over another org's rows: refuse it.
        throw badRequest(`unknown ${b.scope} ${scopeId}`, { param: 'scopeId' })
      }
      let startsAt: number | null = null
      let endsAt: number | null = null
      if (window === 'fixed') {
        if (b.startsAt === undefined || b.endsAt === undefined) {
          throw badRequest('a fixed budget needs startsAt and endsAt', {
            param: b.startsAt === undefined ? 'startsAt' : 'endsAt',
          })
        }
        startsAt = b.startsAt
        endsAt = b.endsAt
        if (endsAt <= startsAt) throw badRequest('endsAt must be after startsAt', { param: 'endsAt' })
      } else if (b.startsAt !== undefined || b.endsAt !== undefined) {
        throw badRequest('startsAt/endsAt apply to fixed budgets only', { param: 'startsAt' })
      }
      const now = Date.now()
      const row = {
        id: newId('bdg'),
        org_id: p.orgId,
        name:
          b.name ??
          `${b.scope}${b.scope === 'org' ? '' : ` ${await defaultTargetName(p, scopeId)}`} ${window}`,
        scope_type: b.scope,
        scope_id: scopeId,
        limit_micro_usd: limitUsd === null ? null : toMicro(limitUsd),
        limit_tokens: limitTokens,
        window,
        starts_at: startsAt,
        ends_at: endsAt,
        alert_url: b.alertUrl ?? null,
        created_by: p.id,
        created_at: now,
        updated_at: now,
      }
      const dup = await db
        .selectFrom('budgets')
        .select('id')
        .where('org_id', '=', p.orgId)
        .where('name', '=', row.name)
        .executeTakeFirst()
      if (dup) throw conflict(`a budget named "${row.name}" exists`, { code: 'budget_exists' })
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('budgets').values(row).execute()
        await rt.audit.record(
          trx,
          actorEvent(p, 'budget.created', {
            targetType: 'budget',
            targetId: row.id,
            details: {
              name: row.name,
              scope: row.scope_type,
              scopeId,
              window,
              limitUsd,
              limitTokens,
              alerts: !!row.alert_url,
            },
          }),
        )
      })
      await changed()
      reply.code(201)
      return view(p, budgetFromRow(row), now)
    },
  )

  app.patch(
    '/api/v1/budgets/:id',
    { schema: { tags: ['budgets'], summary: 'Change a budget', params: IdParams, body: Patch } },
    async (req) => {
      const p = principalOf(req)
      authorize(p, 'budgets:manage')
      const { id } = req.params as z.infer<typeof IdParams>
      const b = req.body as z.infer<typeof Patch>
      const cur = await db
        .selectFrom('budgets')
        .selectAll()
        .where('id', '=', id)
        .where('org_id', '=', p.orgId)
        .executeTakeFirst()
      if (!cur) throw notFound('budget not found')
      const next = {
        name: b.name ?? cur.name,
        limit_micro_usd:
          b.limitUsd === undefined ? cur.limit_micro_usd : b.limitUsd === null ? null : toMicro(b.limitUsd),
        limit_tokens: b.limitTokens !== undefined ? b.limitTokens : cur.limit_tokens,
        alert_url: b.alertUrl !== undefined ? b.alertUrl : cur.alert_url,
        ends_at: b.endsAt !== undefined ? b.endsAt : cur.ends_at,
        updated_at: Date.now(),
      }
      if (next.limit_micro_usd === null && next.limit_tokens === null)
        throw badRequest('a budget needs a limit', { param: 'limitUsd' })
      if (b.endsAt !== undefined && cur.window !== 'fixed')
        throw badRequest('endsAt applies to fixed budgets only', { param: 'endsAt' })
      if (next.ends_at !== null && cur.starts_at !== null && Number(next.ends_at) <= Number(cur.starts_at)) {
        throw badRequest('endsAt must be after startsAt', { param: 'endsAt' })
      }
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('budgets').set(next).where('id', '=', id).execute()
        await rt.audit.record(
          trx,
          actorEvent(p, 'budget.updated', {
            targetType: 'budget',
            targetId: id,
            details: {
              changed: Object.keys(b),
              limitUsd: next.limit_micro_usd === null ? null : Number(next.limit_micro_usd) / MICRO,
              limitTokens: next.limit_tokens,
            },
          }),
        )
      })
      await changed()
      return view(p, budgetFromRow({ ...cur, ...next }), Number(cur.created_at))
    },
  )

  app.delete(
    '/api/v1/budgets/:id',
    { schema: { tags: ['budgets'], summary: 'Delete a budget', params: IdParams } },
    async (req, reply) => {
      const p = principalOf(req)
      authorize(p, 'budgets:manage')
      const { id } = req.params as z.infer<typeof IdParams>
      const gone = await deleteAudited(rt, p, 'budgets', id, {
        action: 'budget.deleted',
        targetType: 'budget',
      })
      if (!gone) throw notFound('budget not found')
      await changed()
      reply.code(204)
    },
  )
}

/** Where each budget scope's object lives, and its id column; every one has an org_id. */
const SCOPE_OBJECTS = {
  workspace: ['workspaces', 'id'],
  user: ['org_memberships', 'user_id'],
  token: ['access_tokens', 'id'],
  credential: ['credentials', 'id'],
} as const

/** Whether a budget's scope object (workspace, user, token, credential) belongs to the org. */
async function scopeInOrg(
  db: Runtime['db']['db'],
  orgId: string,
  scope: string,
  id: string,
): Promise<boolean> {
  const where = SCOPE_OBJECTS[scope as keyof typeof SCOPE_OBJECTS]
  if (!where) return false
  const [table, column] = where
  const r =
    await sql`select 1 from ${sql.table(table)} where ${sql.ref(column)} = ${id} and org_id = ${orgId}`.execute(
      db,
    )
  return r.rows.length > 0
}
