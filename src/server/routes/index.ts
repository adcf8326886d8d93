import type { FastifyInstance } from 'fastify'
import type { Runtime } from '../runtime.js'
import { healthRoutes } from './health.js'
import { openapiRoutes } from './openapi.js'

type RouteModule = (app: FastifyInstance, rt: Runtime) => Promise<void>

/** Every route module, registered in this order. Add a module with one line. */
const MODULES: RouteModule[] = [healthRoutes, openapiRoutes]

export async function registerRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  for (const mod of MODULES) await mod(app, rt)
}
