/**
 * Builds the workflow service on a runtime (`rt.workflows`): engine, sealing, model checks,
 * egress-guarded tool fetch and vault secrets; resumes runs left by a stopped or crashed
 * process and purges expired run content in the background.
 * @module
 */

import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { AppError, badRequest } from '../errors/app-error.js'
import { resolveTarget } from '../gateway/plan.js'
import { newId } from '../identity/secrets.js'
import type { Runtime } from '../server/runtime.js'
import { type ContentSealer, derivedKeySealer, vaultContentSealer } from '../vault/content-sealer.js'
import type { CheckedRecipe } from './check-recipe.js'
import { workflowContentKeyStore } from './content-key-store.js'
import { WorkflowEngine } from './engine.js'
import type { ToolFetch } from './steps/tool-step.js'
import { createWorkflowMetrics } from './workflow-metrics.js'
import { type ModelCheck, WorkflowService } from './workflow-service.js'

/** Timing knobs; tests shorten them to exercise crash recovery without waiting 30 s. */
export const workflowTuning = { leaseMs: 30_000, sweepMs: 5_000, maxActive: 64 }

export async function setupWorkflows(rt: Runtime): Promise<void> {
  // Tool secrets live in the vault; a runtime without one (unit tests) has none to give.
  const secrets = () => {
    if (!rt.vault) throw badRequest('tool secrets are not available: this runtime has no vault')
    return rt.vault.toolSecrets
  }
  // rt.vault is absent only in runtimes built without the vault setup (unit tests).
  const sealer = rt.vault ? vaultContentSealer(rt.vault.keyring) : fallbackSealer(rt)
  // A master-key rotation re-wraps sealed run content too before it retires the old key.
  rt.vault?.keyring.registerStore(workflowContentKeyStore(rt.db.db))
  const engine: WorkflowEngine = new WorkflowEngine({
    db: rt.db.db,
    logger: rt.logger.child({ area: 'workflows' }),
    sealer,
    invoke: () => rt.invoke,
    toolFetch: defaultToolFetch(rt),
    toolSecret: (req) => secrets().resolve(req),
    loadRecipe: (id, version): Promise<CheckedRecipe> => service.recipe(id, version),
    currentRoles: (p) => rt.auth.actingAs(p.id, p.orgId),
    loadEditor: async (run) =>
      rt.auth.actingAs(await service.editorOf(run.workflow_id, run.workflow_version), run.org_id),
    storeContent: (orgId) => rt.settings.get(orgId).storeContent,
    outputTtlMs: rt.config.runOutputTtlMs,
    leaseMs: workflowTuning.leaseMs,
    instanceId: rt.instanceId ?? newId('inst'),
    metrics: createWorkflowMetrics(rt.metrics),
    maxActive: workflowTuning.maxActive,
  })
  const service: WorkflowService = new WorkflowService(
    rt.db.db,
    engine,
    () => rt.audit,
    sealer,
    modelCheck(rt),
    (p, name, origin) => secrets().checkReference(p, name, origin),
  )
  rt.workflows = service

  // A sweep never starts after shutdown began, and shutdown waits for the one in flight:
  // otherwise it would query a database that is already closed.
  let closing = false
  let running = false
  let inFlight: Promise<void> = Promise.resolve()
  const sweep = () => {
    if (closing || running) return
    running = true
    inFlight = (async () => {
      try {
        await engine.pull()
        await engine.store.purgeExpired()
      } catch (err) {
        if (!closing) rt.logger.warn({ err }, 'workflow sweep failed')
      } finally {
        running = false
      }
    })()
  }
  // The sweep (orphaned runs, expired content) is the leader's job; it runs at once when an
  // instance becomes leader, so runs handed back by a graceful stop continue right away.
  // Runs queued on a busy instance are still pulled by that instance when a slot frees.
  rt.leader.every('workflow-sweep', workflowTuning.sweepMs, async () => {
    sweep()
    await inFlight
  })
  rt.onClose({
    name: 'workflows',
    async close() {
      closing = true
      await inFlight
      await engine.close()
    },
  })
}

/**
 * A step's model must resolve for the principal exactly as the gateway would resolve it:
 * `<credential>/<model>` through the principal's visible credentials (personal → workspace →
 * org, model allow-list, a wire that can serve chat), otherwise a route alias of the org.
 */
function modelCheck(rt: Runtime): ModelCheck {
  return async (p, model) => {
    const slash = model.indexOf('/')
    if (slash <= 0) {
      if (!rt.gateway.routes.get(p.orgId, model)) throw badRequest(`unknown route alias ${model}`)
      return
    }
    const name = model.slice(0, slash)
    const found = await rt.credentials.find(p, name).catch((e: unknown) => {
      throw e instanceof AppError ? badRequest(`credential ${name}: ${e.message}`) : e
    })
    if (!found) throw badRequest(`unknown credential ${name}`)
    try {
      await resolveTarget(rt.credentials, p, model, 'chat')
    } catch (e) {
      if (e instanceof AppError) throw badRequest(e.message)
      throw e
    }
  }
}

/**
 * Tool calls use the gateway's egress service: SSRF guard and the org's egress policy
 * (restricted to privateOrigins when no org admin wrote the recipe).
 */
function defaultToolFetch(rt: Runtime): ToolFetch {
  return (orgId, url, init, opts) => rt.gateway.egress.fetch(orgId, url, init, opts)
}

/**
 * Until the vault exposes content sealing on the runtime, seal with a key derived from the
 * configured master key (same trust root; HKDF with a workflow-only label), so sealed
 * outputs survive restarts. No master key available at all → a per-process key (runs then
 * cannot resume across a restart; logged once).
 */
function fallbackSealer(rt: Runtime): ContentSealer {
  const { masterKey, masterKeyFile, home } = rt.config
  let raw: string | undefined = masterKey
  const file = masterKeyFile ?? path.join(home, 'master.key')
  if (!raw && fs.existsSync(file)) raw = fs.readFileSync(file, 'utf8')
  const first = raw?.split(/[\s,]+/).find(Boolean)
  const key = first ? Buffer.from(first, 'base64') : undefined
  if (key && key.length === 32) return derivedKeySealer(key)
  rt.logger.warn('workflows: no master key available; run content is sealed with a per-process key')
  return derivedKeySealer(randomBytes(32))
}
