/**
 * Service slots that the feature areas (vault, gateway, usage/audit, workflows) fill in.
 * Each area adds its field to `ServiceSlots` and one line to SETUP; its setup function
 * builds the service from the runtime and may replace the default seams on it
 * (`rt.audit`, `rt.calls`, `rt.budget`, `rt.prices`, `rt.credentials`, `rt.invoke`).
 * Setups run in order at the end of createRuntime.
 * @module
 */
import { type GatewayService, setupGateway } from '../gateway/setup.js'
import { registerProviderAdapters } from '../providers/registry.js'
import { setupUsage, type UsageService } from '../usage/setup.js'
import { resumeVaultRotation, setupVault, type Vault } from '../vault/vault.js'
import { setupWorkflows } from '../workflows/setup.js'
import type { WorkflowService } from '../workflows/workflow-service.js'
import type { Runtime } from './runtime.js'

export interface ServiceSlots {
  /** Sealed provider credentials, the gateway's credential cache, master keys (src/vault). */
  vault: Vault
  /** Recipes, runs, reviews and compare (src/workflows). */
  workflows: WorkflowService
  /** Usage writer, prices, budgets and audit checkpoints (src/usage, src/audit). */
  usage: UsageService
  /** Gateway core: routes, egress, breakers, model catalog (src/gateway). */
  gateway: GatewayService
}

type Setup = (rt: Runtime) => Promise<void> | void

const SETUP: Setup[] = [
  // Vault first: a wrong master key must stop the start before anything else runs.
  setupVault,
  setupUsage,
  // Translation adapters (anthropic, gemini, vertex, bedrock, azure-openai) onto the gateway seam.
  registerProviderAdapters,
  setupGateway,
  // Workflows last: they read the other areas' seams (invoke, credentials, audit) at call time.
  setupWorkflows,
  // After every area registered its wrapped-key stores with the vault. The leader resumes an
  // interrupted master-key re-wrap (checked again every minute: the leader may change).
  (rt) => rt.leader.every('master-key-rewrap', 60_000, () => resumeVaultRotation(rt)),
]

export async function setupServices(rt: Runtime): Promise<void> {
  for (const setup of SETUP) await setup(rt)
}
