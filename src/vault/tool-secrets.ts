/**
 * Workflow tool secrets: what `{{ secrets.NAME }}` in a recipe's tool headers may resolve to.
 *
 * A recipe's author picks the tool URL, so a tool secret is a value sent to a host of the
 * author's choosing. The rules that keep provider keys in the vault:
 * - only credentials of kind `http-secret` are tool secrets: a provider key never resolves
 *   here, whatever the recipe says;
 * - an http-secret carries the origins it may be sent to, sealed with it (associated data):
 *   the tool URL's origin must be one of them when the recipe is saved and again at call
 *   time, and origins changed in the database make the secret fail to open;
 * - referencing a secret in a recipe needs the `manage` right on it (save time); a run uses
 *   it as its starter, who needs the `use` right (call time);
 * - every use is audited (`secret.used`: which secret, which origin, which run — never the
 *   value), and so is every refusal at call time (`secret.refused`), before anything is sent.
 * @module
 */
import type { Kysely } from 'kysely'
import { actorEvent } from '../audit/actor-event.js'
import type { AuditWriter } from '../audit/audit-event.js'
import type { Database } from '../db/schema.js'
import { type AppError, badRequest, forbidden } from '../errors/app-error.js'
import type { CredentialLookup, CredentialMaterial } from '../gateway/spec/v1/resolve-model.js'
import type { Principal } from '../identity/principal.js'

/** The run a secret is used for (audit). */
export interface SecretUse {
  runId: string
  workflowId: string
  stepId: string
  workspaceId: string | null
}

export interface ToolSecretRequest {
  /** Who the run acts as (its starter): needs the `use` right on the secret. */
  principal: Principal
  /** The name in `{{ secrets.NAME }}`, resolved like any credential name (personal → workspace → org). */
  name: string
  /** Origin of the exact URL the value will be sent to (`new URL(url).origin`). */
  origin: string
  use: SecretUse
  /**
   * Another principal that must be able to use the *same* secret for this origin (e.g. the
   * recipe's last editor), so a run never sends a secret its recipe's author could not.
   */
  alsoUsableBy?: Principal
}

export interface ToolSecretsDeps {
  /** The credential cache (read at call time: tests and setup may swap it). */
  lookup: () => CredentialLookup
  /** Whether the principal holds the manage right on a credential. */
  canManage: (p: Principal, credentialId: string) => Promise<boolean>
  audit: AuditWriter
  db: Kysely<Database>
}

/** A refusal: nothing was sent. Not retryable (the same request is refused again). */
function refused(status: 400 | 403, message: string, code: string): AppError {
  return status === 400
    ? badRequest(message, { code, retryable: false })
    : forbidden(message, { code, retryable: false })
}

export class ToolSecrets {
  constructor(private readonly d: ToolSecretsDeps) {}

  /**
   * Save time: may `p` put `{{ secrets.name }}` in a tool that calls `origin`? Throws an
   * AppError naming the problem (400 wrong kind/origin or unknown, 403 no manage right).
   */
  async checkReference(p: Principal, name: string, origin: string): Promise<void> {
    const m = await this.#find(p, name)
    const why = this.#mismatch(m, name, origin)
    if (why) throw why
    if (!(await this.d.canManage(p, m.credentialId))) {
      throw refused(
        403,
        `secret ${name}: referencing a secret in a recipe needs the manage right on it`,
        'secret_not_managed',
      )
    }
  }

  /**
   * Call time: the secret's value for a tool call to `origin`, as the run's starter, audited
   * before it is handed out. Throws AppError when refused (audited too when the secret exists).
   */
  async resolve(req: ToolSecretRequest): Promise<string> {
    const { principal: p, name, origin, use } = req
    const m = await this.#find(p, name)
    let why = this.#mismatch(m, name, origin)
    if (!why && req.alsoUsableBy) {
      const other = await this.#find(req.alsoUsableBy, name).catch(() => null)
      if (other?.credentialId !== m.credentialId || this.#mismatch(other, name, origin)) {
        why = refused(
          403,
          `secret ${name} is not usable by ${req.alsoUsableBy.name}, the recipe version's last editor`,
          'secret_not_shared',
        )
      }
    }
    const details = { name, origin, runId: use.runId, workflowId: use.workflowId, stepId: use.stepId }
    await this.d.audit.record(
      this.d.db,
      actorEvent(p, why ? 'secret.refused' : 'secret.used', {
        targetType: 'credential',
        targetId: m.credentialId,
        credentialId: m.credentialId,
        workspaceId: use.workspaceId,
        details: why ? { ...details, reason: why.code } : details,
      }),
    )
    if (why) throw why
    return m.apiKey!
  }

  async #find(p: Principal, name: string): Promise<CredentialMaterial> {
    const m = await this.d.lookup().find(p, name)
    if (!m)
      throw refused(
        400,
        `secret ${name} not found (create an http-secret credential named ${name})`,
        'secret_not_found',
      )
    return m
  }

  #mismatch(m: CredentialMaterial, name: string, origin: string): AppError | null {
    if (m.provider !== 'http-secret' || typeof m.apiKey !== 'string') {
      return refused(
        400,
        `secret ${name} is a ${m.provider} credential, not an http-secret: provider keys never leave through a tool`,
        'secret_wrong_kind',
      )
    }
    if (!m.origins?.includes(origin)) {
      return refused(
        400,
        `secret ${name} may not be sent to ${origin} (not one of the origins it was stored for)`,
        'secret_origin_not_allowed',
      )
    }
    return null
  }
}
