/**
 * The vault service of a runtime (`rt.vault`): loads and checks the master key at runtime
 * creation (a wrong key makes createRuntime throw a one-line error), serves the credential
 * cache as `rt.credentials`, and runs master-key rotations in the background on request.
 * @module
 */
import { Counter } from 'prom-client'
import type { AuditWriter } from '../audit/audit-event.js'
import type { Runtime } from '../server/runtime.js'
import { CredentialCache } from './credential-cache.js'
import { CredentialService } from './credential-service.js'
import { resolveKeySource } from './key-config.js'
import { Keyring } from './keyring.js'
import {
  type RotationActor,
  type RotationDeps,
  type RotationStatus,
  rotationStatus,
} from './master-key-rotation.js'
import { rotateMasterKey } from './master-key-service.js'
import { ToolSecrets } from './tool-secrets.js'

export class Vault {
  #rotation: Promise<unknown> | undefined
  #abort = new AbortController()
  #lastError: string | undefined

  constructor(
    readonly keyring: Keyring,
    readonly credentials: CredentialService,
    readonly cache: CredentialCache,
    /** What `{{ secrets.NAME }}` in a workflow tool may resolve to (tool-secrets.ts). */
    readonly toolSecrets: ToolSecrets,
    private readonly rotationDeps: RotationDeps,
  ) {}

  async status(): Promise<RotationStatus & { running: boolean; lastError: string | null }> {
    return {
      ...(await rotationStatus(this.rotationDeps)),
      running: this.#rotation !== undefined,
      lastError: this.#lastError ?? null,
    }
  }

  /**
   * Starts (or resumes) a rotation in the background; resolves once the new key is active,
   * or rejects when it cannot start (e.g. the key comes from the environment).
   */
  async rotateInBackground(who: RotationActor): Promise<void> {
    if (this.#rotation) return
    let started!: () => void
    const ready = new Promise<void>((r) => {
      started = r
    })
    const run = rotateMasterKey(this.rotationDeps, who, {
      onStarted: () => started(),
      signal: this.#abort.signal,
    })
    this.#lastError = undefined
    this.#rotation = run
      .then((s) => {
        for (const w of s.warnings) this.rotationDeps.logger.warn(w)
        this.rotationDeps.logger.info({ activeKeyId: s.activeKeyId }, 'master-key rotation finished')
      })
      .catch((err: Error) => {
        this.#lastError = err.message
        this.rotationDeps.logger.error({ reason: err.message }, 'master-key rotation stopped')
      })
      .finally(() => {
        this.#rotation = undefined
      })
    await Promise.race([ready, run.then(() => undefined)])
  }

  async close(): Promise<void> {
    this.#abort.abort()
    await this.#rotation
    this.cache.close()
  }
}

/** SETUP step: builds the vault on the runtime and plugs the credential cache in. */
export async function setupVault(rt: Runtime): Promise<void> {
  const source = await resolveKeySource(rt.config, rt.db, rt.logger)
  const keyring = await Keyring.open(rt.db, source, rt.logger)
  const unseals = new Counter({
    name: 'latchkey_vault_unseal_total',
    help: 'Credential secrets unsealed into the in-memory cache',
    registers: [rt.metrics],
  })
  const integrity = new Counter({
    name: 'latchkey_vault_integrity_failures_total',
    help: 'Sealed credential secrets that failed authentication (tampered, moved or wrong key)',
    registers: [rt.metrics],
  })
  // The audit writer may be plugged in by a later setup step: look it up at call time.
  const audit: AuditWriter = { record: (trx, e) => rt.audit.record(trx, e) }
  const credentials = new CredentialService({
    handle: rt.db,
    keyring,
    audit,
    bus: rt.bus,
    egressFor: (orgId) => {
      const s = rt.settings.get(orgId)
      return { mode: s.egress, allow: s.egressAllow, privateOrigins: s.privateOrigins }
    },
    logger: rt.logger,
    onIntegrityFailure: () => integrity.inc(),
  })
  const cache = new CredentialCache(rt.db, rt.bus, async (row) => {
    const p = await credentials.unseal(row)
    unseals.inc()
    return p
  })
  const toolSecrets = new ToolSecrets({
    lookup: () => rt.credentials,
    canManage: (p, id) => credentials.mayManage(p, id),
    audit,
    db: rt.db.db,
  })
  const vault = new Vault(keyring, credentials, cache, toolSecrets, {
    handle: rt.db,
    keyring,
    audit,
    bus: rt.bus,
    logger: rt.logger,
  })
  const unsubscribe = rt.bus.subscribe('vault-keys', () => {
    keyring
      .refresh()
      .catch((err: Error) => rt.logger.error({ reason: err.message }, 'master key refresh failed'))
  })
  rt.vault = vault
  rt.credentials = cache
  rt.onClose({
    name: 'vault',
    async close() {
      unsubscribe()
      await vault.close()
    },
  })
}

/**
 * Last SETUP step: resumes a master-key rotation that was interrupted, in the background, once
 * every area has registered its wrapped-key stores. Needs all non-retired keys.
 */
export async function resumeVaultRotation(rt: Runtime): Promise<void> {
  const keyring = rt.vault.keyring
  const rows = keyring.rows()
  if (
    rows.some((r) => r.state === 'retiring') &&
    rows.every((r) => r.state === 'retired' || keyring.holds(r.id))
  ) {
    rt.logger.info('resuming an interrupted master-key rotation')
    await rt.vault.rotateInBackground({ actor: 'system', actorKind: 'system' }).catch(() => {})
  }
}
