/**
 * `/api/v1/master-key`: status of the master key and online rotation (owners only). The new
 * key is generated into the server's keyring file; no key material crosses the API.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { conflict } from '../../errors/app-error.js'
import { authorize } from '../../identity/authorize.js'
import { MasterKeyError } from '../../vault/keyring.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'

const StatusSchema = z.object({
  activeKeyId: z.string(),
  retiringKeyIds: z.array(z.string()),
  rotating: z.boolean(),
  running: z.boolean(),
  total: z.number().nullable(),
  done: z.number().nullable(),
  remaining: z.number(),
  lastError: z.string().nullable(),
})

export async function masterKeyRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const tags = ['master-key']
  app.get(
    '/api/v1/master-key',
    {
      schema: {
        tags,
        summary: 'Active master key id and rotation progress',
        response: { 200: StatusSchema },
      },
    },
    async (req) => {
      const p = principalOf(req)
      authorize(p, 'master-key:rotate', { orgId: p.orgId })
      return rt.vault.status()
    },
  )

  app.post(
    '/api/v1/master-key/rotate',
    {
      schema: {
        tags,
        summary: 'Rotate the master key online (re-wraps every data key in the background)',
        response: { 202: StatusSchema },
      },
    },
    async (req, reply) => {
      const p = principalOf(req)
      authorize(p, 'master-key:rotate', { orgId: p.orgId })
      try {
        await rt.vault.rotateInBackground({ actor: p.id, actorKind: p.kind })
      } catch (err) {
        // Cannot start here (e.g. the key comes from the environment): say why, as a 409.
        if (err instanceof MasterKeyError) throw conflict(err.message, { code: 'master_key_rotation' })
        throw err
      }
      return reply.status(202).send(await rt.vault.status())
    },
  )
}
