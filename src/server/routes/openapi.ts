import type { FastifyInstance } from 'fastify'
import type { Runtime } from '../runtime.js'

export async function openapiRoutes(app: FastifyInstance, _rt: Runtime): Promise<void> {
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}
