import type { FastifyInstance } from 'fastify'
import type { Runtime } from '../runtime.js'
import { auditRoutes } from './audit.js'
import { budgetRoutes } from './budgets.js'
import { compareRoutes } from './compare.js'
import { credentialRoutes } from './credentials.js'
import { gatewayRoutes } from './gateway.js'
import { healthRoutes } from './health.js'
import { inviteRoutes } from './invites.js'
import { masterKeyRoutes } from './master-key.js'
import { meRoutes } from './me.js'
import { memberRoutes } from './members.js'
import { messagesRoutes } from './messages.js'
import { modelRoutes } from './models.js'
import { openapiRoutes } from './openapi.js'
import { priceRoutes } from './prices.js'
import { routesRoutes } from './routes.js'
import { sessionRoutes } from './session.js'
import { settingsRoutes } from './settings.js'
import { tokenRoutes } from './tokens.js'
import { usageRoutes } from './usage.js'
import { webRoutes } from './web.js'
import { workflowRoutes } from './workflows.js'
import { workspaceRoutes } from './workspaces.js'

type RouteModule = (app: FastifyInstance, rt: Runtime) => Promise<void>

/** Every route module, registered in this order. Add a module with one line. */
const MODULES: RouteModule[] = [
  healthRoutes,
  openapiRoutes,
  sessionRoutes,
  inviteRoutes,
  meRoutes,
  tokenRoutes,
  memberRoutes,
  workspaceRoutes,
  settingsRoutes,
  credentialRoutes,
  masterKeyRoutes,
  workflowRoutes,
  gatewayRoutes,
  messagesRoutes,
  modelRoutes,
  routesRoutes,
  compareRoutes,
  usageRoutes,
  auditRoutes,
  budgetRoutes,
  priceRoutes,
  // Last: its GET catch-all serves the SPA shell for non-API paths; every API route wins over it.
  webRoutes,
]

export async function registerRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  for (const mod of MODULES) await mod(app, rt)
}
