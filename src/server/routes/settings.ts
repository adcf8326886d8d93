import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { actorEvent } from '../../audit/actor-event.js'
import { badRequest } from '../../errors/app-error.js'
import { authorize } from '../../identity/authorize.js'
import { allowedEgress, type OrgLimits, OrgSettingsSchema } from '../../identity/settings.js'
import { checkPrivateOrigins } from '../../vault/credential-input.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'

const PatchBody = z.strictObject({
  egress: z.enum(['open', 'public-only', 'private-only']).optional(),
  storeContent: z.boolean().optional(),
  retentionDays: z.number().int().min(1).max(3650).optional(),
  corsOrigins: z
    .array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin such as https://app.example.com (no path)'))
    .max(50)
    .optional(),
  /** Gateway rate limits; a field set to null is removed (unlimited). */
  limits: z
    .strictObject({
      tokenRpm: z.number().int().positive().nullable().optional(),
      tokenTpm: z.number().int().positive().nullable().optional(),
      workspaceRpm: z.number().int().positive().nullable().optional(),
      workspaceTpm: z.number().int().positive().nullable().optional(),
    })
    .optional(),
  privateOrigins: z
    .array(z.string().max(2048))
    .max(100)
    .optional()
    .describe(
      "origins (scheme://host[:port]) that members' credentials may reach on loopback/private addresses; org owners and admins",
    ),
})

/** Applies a limits patch: numbers set a limit, null clears it, absent keeps it. */
function patchLimits(current: OrgLimits | undefined, patch: z.infer<typeof PatchBody>['limits']): OrgLimits {
  const next: OrgLimits = { ...current }
  for (const [k, v] of Object.entries(patch ?? {}) as [keyof OrgLimits, number | null | undefined][]) {
    if (v === null) delete next[k]
    else if (v !== undefined) next[k] = v
  }
  return next
}

export async function settingsRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const view = (orgId: string) => ({
    ...rt.settings.get(orgId),
    ceiling: {
      egress: rt.config.egress,
      egressChoices: allowedEgress(rt.config.egress),
      storeContentAllowed: rt.config.storeContent,
    },
  })

  app.get(
    '/api/v1/settings',
    {
      schema: { tags: ['settings'], summary: 'Org settings (effective values and the environment ceiling)' },
    },
    async (req) => {
      const p = principalOf(req)
      authorize(p, 'settings:read')
      return view(p.orgId)
    },
  )

  app.patch(
    '/api/v1/settings',
    {
      schema: {
        tags: ['settings'],
        summary: 'Change org settings (owners; can only tighten the environment)',
        body: PatchBody,
      },
    },
    async (req) => {
      const p = principalOf(req)
      const body = req.body as z.infer<typeof PatchBody>
      const fields = Object.keys(body)
      // privateOrigins alone is an admin's decision (admins vouch for destinations anyway);
      // every other setting is the owner's.
      authorize(
        p,
        fields.length > 0 && fields.every((f) => f === 'privateOrigins')
          ? 'egress:allow-private'
          : 'settings:manage',
      )
      if (body.privateOrigins) body.privateOrigins = checkPrivateOrigins(body.privateOrigins, rt.config)
      if (body.egress && !allowedEgress(rt.config.egress).includes(body.egress)) {
        throw badRequest(
          `egress ${body.egress} would loosen the server's LATCHKEY_EGRESS=${rt.config.egress}`,
          { param: 'egress' },
        )
      }
      if (body.storeContent && !rt.config.storeContent) {
        throw badRequest('content storage is disabled on this server (LATCHKEY_STORE_CONTENT is off)', {
          param: 'storeContent',
        })
      }
      await rt.db.db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('orgs')
          .select('settings')
          .where('id', '=', p.orgId)
          .executeTakeFirstOrThrow()
        const parsed = OrgSettingsSchema.safeParse(JSON.parse(row.settings))
        const current = parsed.success ? parsed.data : {}
        const { limits, ...rest } = body
        const next = { ...current, ...rest }
        if (limits) {
          const merged = patchLimits(current.limits, limits)
          if (Object.keys(merged).length) next.limits = merged
          else delete next.limits
        }
        await trx
          .updateTable('orgs')
          .set({ settings: JSON.stringify(next) })
          .where('id', '=', p.orgId)
          .execute()
        await rt.audit.record(
          trx,
          actorEvent(p, 'settings.updated', {
            targetType: 'org',
            targetId: p.orgId,
            details: {
              fields,
              ...(body.privateOrigins ? { privateOrigins: body.privateOrigins } : {}),
            },
          }),
        )
      })
      await rt.settings.reload()
      await rt.bus.publish('settings')
      return view(p.orgId)
    },
  )
}
