/**
 * Credential management: create, edit, rotate, revoke, grants. Every change is one database
 * transaction that also records the management event (`rt.audit.record` in the same
 * transaction), then tells every instance's credential cache (`bus.publish('credentials')`).
 * @module
 */

import type { Logger } from 'pino'
import { actorEvent } from '../audit/actor-event.js'
import type { AuditWriter } from '../audit/audit-event.js'
import type { DbHandle } from '../db/database.js'
import { isUniqueViolation } from '../db/errors.js'
import type { CredentialsTable } from '../db/tables/vault.js'
import type { EgressService } from '../egress/egress-service.js'
import { AppError, badRequest, conflict, notFound } from '../errors/app-error.js'
import { authorize, roleAtLeast } from '../identity/authorize.js'
import type { Principal } from '../identity/principal.js'
import { newId } from '../identity/secrets.js'
import type { ChangeBus } from '../state/change-bus.js'
import { checkBaseUrl, type EgressSettings, originOf } from './base-url.js'
import {
  checkKind,
  checkModels,
  checkName,
  checkOrigins,
  originsOf,
  resolveEndpoint,
} from './credential-input.js'
import { type SealContext, type SealedSecret, sealPayload, unsealPayload } from './credential-seal.js'
import {
  activeCredential,
  activeCredentials,
  type CredentialView,
  type Db,
  grantsOf,
  groupGrants,
  nameKey,
  refOf,
  toView,
} from './credentials-repo.js'
import { IntegrityError } from './crypto.js'
import { guardKey, KeyRetiredError } from './key-guard.js'
import type { Keyring } from './keyring.js'
import { type KeyTestResult, testCredentialKey } from './provider-test.js'
import { canManage, canSee, type Grant, type Right, type Scope, type SubjectType } from './rights.js'
import {
  canonicalSecret,
  hasKeyMaterial,
  last4,
  normalizeSecret,
  type SecretPayload,
} from './secret-material.js'

export interface CreateInput {
  name: string
  provider: string
  apiKey?: string
  secret?: Record<string, unknown>
  baseUrl?: string
  region?: string
  /** `http-secret` only (and required there): the origins the secret may be sent to. */
  origins?: string[]
  scope?: Scope
  workspaceId?: string
  models?: string[]
}

export interface PatchInput {
  name?: string
  baseUrl?: string | null
  region?: string | null
  models?: string[]
  /** The key again: required (and only accepted) when the base URL's origin changes. */
  apiKey?: string
  secret?: Record<string, unknown>
}

export interface GrantInput {
  subjectType: SubjectType
  subjectId: string
  right: Right
}

export interface CredentialServiceDeps {
  handle: DbHandle
  keyring: Keyring
  audit: AuditWriter
  bus: ChangeBus
  /**
   * The org's effective egress (env ceiling tightened by the org setting, env allow-list,
   * the org's privateOrigins): base URLs are judged by it when saved.
   */
  egressFor: (orgId: string) => EgressSettings & { privateOrigins: readonly string[] }
  logger: Logger
  /** Called when a sealed secret fails authentication (metrics). */
  onIntegrityFailure?: () => void
}

export class CredentialService {
  constructor(private readonly d: CredentialServiceDeps) {}

  get #db() {
    return this.d.handle.db
  }

  async list(p: Principal): Promise<CredentialView[]> {
    authorize(p, 'credentials:read', { orgId: p.orgId })
    const [rows, grants] = await Promise.all([
      activeCredentials(this.#db, p.orgId),
      grantsOf(this.#db, { orgId: p.orgId }),
    ])
    const byCred = groupGrants(grants)
    return rows
      .filter((r) => canSee(p, refOf(r), byCred.get(r.id) ?? []))
      .map((r) => toView(r, p, byCred.get(r.id) ?? []))
  }

  async get(p: Principal, id: string): Promise<CredentialView> {
    const { row, grants } = await this.#visible(p, id)
    return toView(row, p, grants)
  }

  async create(p: Principal, input: CreateInput): Promise<CredentialView> {
    const scope = input.scope ?? this.#defaultScope(p)
    const { workspaceId, ownerUserId } = await this.#checkCreateRights(p, scope, input.workspaceId)
    const info = checkKind(input.provider)
    const name = checkName(input.name)
    const vouched = vouches(p)
    const { baseUrl, region } = resolveEndpoint(info, input, this.#policy(p.orgId, !vouched))
    const origins = this.#origins(info.kind, input, this.#policy(p.orgId, !vouched))
    const payload = normalizeSecret(info, input)
    const models = checkModels(input.models)
    const fingerprint = this.d.keyring.fingerprint(info.kind, canonicalSecret(payload))
    const id = newId('cred')
    const now = Date.now()
    const ctx: SealContext = {
      orgId: p.orgId,
      credentialId: id,
      version: 1,
      provider: info.kind,
      baseUrl,
      origins,
    }
    const row: CredentialsTable = {
      id,
      org_id: p.orgId,
      workspace_id: workspaceId,
      owner_user_id: ownerUserId,
      scope,
      name,
      name_key: nameKey(p.orgId, scope, workspaceId, ownerUserId, name),
      provider: info.kind,
      base_url: baseUrl,
      origins: info.kind === 'http-secret' ? JSON.stringify(origins) : null,
      private_ok: vouched ? 1 : 0,
      region,
      models: JSON.stringify(models),
      version: 1,
      fingerprint,
      // The same key registered twice in an org is refused; key-less credentials (a local
      // Ollama or LM Studio server) share the empty fingerprint and are never duplicates.
      fingerprint_key: hasKeyMaterial(payload) ? `${p.orgId}/${fingerprint}` : null,
      last4: last4(payload),
      created_by: p.id,
      created_at: now,
      updated_at: now,
      rotated_at: null,
      revoked_at: null,
    }
    await this.#write(async (trx) => {
      await trx.insertInto('credentials').values(row).execute()
      await this.#insertSecret(trx, ctx, payload, now)
      await this.#audit(trx, p, 'credential.created', id, {
        name,
        provider: info.kind,
        scope,
        fingerprint,
        ...(info.kind === 'http-secret' ? { origins } : {}),
      })
    })
    return toView(row, p, [])
  }

  async patch(p: Principal, id: string, input: PatchInput): Promise<CredentialView> {
    const { row, grants } = await this.#manageable(p, id)
    const info = checkKind(row.provider)
    const name = input.name !== undefined ? checkName(input.name) : row.name
    const endpointChanged = input.baseUrl !== undefined || input.region !== undefined
    if (endpointChanged && info.kind === 'http-secret') {
      throw badRequest(
        'an http-secret has no baseUrl or region: its origins are sealed with it (create a new one to change them)',
        { param: input.baseUrl !== undefined ? 'baseUrl' : 'region' },
      )
    }
    const { baseUrl, region } = endpointChanged
      ? resolveEndpoint(
          info,
          {
            baseUrl:
              input.baseUrl === undefined
                ? input.region !== undefined
                  ? null
                  : row.base_url
                : input.baseUrl,
            region: input.region === undefined ? row.region : input.region,
          },
          this.#policy(p.orgId, false),
        )
      : { baseUrl: row.base_url, region: row.region }
    const models =
      input.models !== undefined ? checkModels(input.models) : (JSON.parse(row.models) as string[])
    const fields = Object.keys(input).filter(
      (k) => k !== 'apiKey' && k !== 'secret' && (input as Record<string, unknown>)[k] !== undefined,
    )
    const meta = { name, base_url: baseUrl, region, models: JSON.stringify(models) }
    const from = originOf(row.base_url)
    const to = originOf(baseUrl)
    const keyGiven = input.apiKey !== undefined || input.secret !== undefined
    if (from !== to || keyGiven) {
      return this.#repoint(p, row, grants, { meta, fields, from, to, key: input })
    }
    // Same origin: the destination keeps whoever vouched for it (or not).
    if (baseUrl !== row.base_url) this.#checkPrivate(p.orgId, baseUrl, row.private_ok !== 1)
    const now = Date.now()
    // Same origin, another path: the base URL is bound into the sealed blob (a row edited to
    // point elsewhere must not open), so the same version is re-sealed for the new path.
    const payload = baseUrl !== row.base_url ? await this.unseal(row) : undefined
    const updated = { ...row, ...meta, updated_at: now }
    updated.name_key = nameKey(row.org_id, row.scope as Scope, row.workspace_id, row.owner_user_id, name)
    await this.#write(async (trx) => {
      const r = await trx
        .updateTable('credentials')
        .set({ ...meta, name_key: updated.name_key, updated_at: now })
        .where('id', '=', id)
        .where('version', '=', row.version)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      if (Number(r.numUpdatedRows) !== 1) throw conflict('the credential changed meanwhile; retry')
      if (payload) {
        // Sealed inside the transaction so a retry after a finished master-key rotation re-seals.
        const ctx = this.#ctx(row, Number(row.version), baseUrl)
        await this.#replaceSecret(trx, ctx, await sealPayload(this.d.keyring, ctx, payload), now)
      }
      await this.#audit(trx, p, 'credential.updated', id, { fields })
    })
    return toView(updated, p, grants)
  }

  /**
   * A PATCH that moves the credential to another origin (or carries a key). The origin is part
   * of the credential's identity: the stored key never follows a new origin, so whoever moves
   * it types the key again here and the move is a rotation (new version, sealed for the new
   * base URL, older versions shredded), audited with both origins. A credential without key
   * material (a local server needing none) moves without one: there is nothing to send.
   */
  async #repoint(
    p: Principal,
    row: CredentialsTable,
    grants: Grant[],
    c: {
      meta: Pick<CredentialsTable, 'name' | 'base_url' | 'region' | 'models'>
      fields: string[]
      from: string
      to: string
      key: { apiKey?: string; secret?: Record<string, unknown> }
    },
  ): Promise<CredentialView> {
    const info = checkKind(row.provider)
    const keyGiven = c.key.apiKey !== undefined || c.key.secret !== undefined
    const vouched = vouches(p)
    if (c.from !== c.to) this.#checkPrivate(p.orgId, c.meta.base_url, !vouched)
    if (c.from === c.to) {
      throw badRequest(
        'a new key for the same origin is a rotation: use POST /credentials/:id/rotate (PATCH takes a key only with a new baseUrl origin)',
        { param: c.key.apiKey !== undefined ? 'apiKey' : 'secret', code: 'use_rotate' },
      )
    }
    let payload: SecretPayload
    if (keyGiven) payload = normalizeSecret(info, c.key)
    else {
      payload = await this.unseal(row)
      if (hasKeyMaterial(payload)) {
        throw badRequest(
          `moving credential ${row.name} from ${c.from} to ${c.to} needs its key again: send ${info.secret === 'secret' ? 'secret' : 'apiKey'} in the same request (a credential's origin is part of its identity; the stored key never follows a new origin)`,
          { param: info.secret === 'secret' ? 'secret' : 'apiKey', code: 'key_required_for_new_origin' },
        )
      }
    }
    return this.#newVersion(p, row, grants, payload, {
      meta: { ...c.meta, private_ok: vouched ? 1 : 0 },
      action: 'credential.repointed',
      details: { fields: c.fields, fromOrigin: c.from, toOrigin: c.to },
      sameKeyOk: true,
    })
  }

  async rotate(p: Principal, id: string, input: { apiKey?: string; secret?: Record<string, unknown> }) {
    const { row, grants } = await this.#manageable(p, id)
    const payload = normalizeSecret(checkKind(row.provider), input)
    return this.#newVersion(p, row, grants, payload, { action: 'credential.rotated', details: {} })
  }

  /**
   * Seals `payload` as the credential's next version (with `meta` changes, if any), shreds
   * the older versions and records `action` — one transaction. Attempts already sent finish on
   * the material they hold in memory.
   */
  async #newVersion(
    p: Principal,
    row: CredentialsTable,
    grants: Grant[],
    payload: SecretPayload,
    o: {
      meta?: Pick<CredentialsTable, 'name' | 'base_url' | 'region' | 'models'> & { private_ok?: number }
      action: string
      details: Record<string, unknown>
      /** Re-pointing may re-enter the same key (it proves the caller holds it). */
      sameKeyOk?: boolean
    },
  ): Promise<CredentialView> {
    const id = row.id
    const fingerprint = this.d.keyring.fingerprint(row.provider, canonicalSecret(payload))
    if (fingerprint === row.fingerprint && !o.sameKeyOk)
      throw conflict('the new key is the same as the current one', { code: 'same_key' })
    const version = Number(row.version) + 1
    const meta = o.meta ?? { name: row.name, base_url: row.base_url, region: row.region, models: row.models }
    const now = Date.now()
    const changes = {
      ...meta,
      name_key: nameKey(row.org_id, row.scope as Scope, row.workspace_id, row.owner_user_id, meta.name),
      version,
      fingerprint,
      fingerprint_key: hasKeyMaterial(payload) ? `${row.org_id}/${fingerprint}` : null,
      last4: last4(payload),
      updated_at: now,
      rotated_at: now,
    }
    const updated: CredentialsTable = { ...row, ...changes }
    const ctx = this.#ctx(updated, version, meta.base_url)
    await this.#write(async (trx) => {
      const r = await trx
        .updateTable('credentials')
        .set(changes)
        .where('id', '=', id)
        .where('version', '=', row.version)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      if (Number(r.numUpdatedRows) !== 1)
        throw conflict('the credential was rotated or revoked meanwhile; retry')
      await this.#insertSecret(trx, ctx, payload, now)
      // Old versions are crypto-shredded: requests in flight hold their material in memory.
      await trx
        .deleteFrom('credential_secrets')
        .where('credential_id', '=', id)
        .where('version', '<', version)
        .execute()
      await this.#audit(trx, p, o.action, id, { ...o.details, version, fingerprint })
    })
    return toView(updated, p, grants)
  }

  async revoke(p: Principal, id: string): Promise<void> {
    // Deleting stays possible for a disabled credential: it is one of the owner's two choices.
    const { row } = await this.#manageable(p, id, true)
    await this.#write(async (trx) => {
      const r = await trx
        .updateTable('credentials')
        .set({ revoked_at: Date.now(), name_key: null, fingerprint_key: null })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      if (Number(r.numUpdatedRows) !== 1) throw notFound('credential not found')
      await trx.deleteFrom('credential_secrets').where('credential_id', '=', id).execute()
      await trx.deleteFrom('credential_grants').where('credential_id', '=', id).execute()
      await this.#audit(trx, p, 'credential.revoked', id, { name: row.name, version: Number(row.version) })
    })
  }

  /**
   * Hands a disabled personal credential (its owner left the org) to an active member, who
   * may then use it; org owners only. The sealed material is untouched (the owner is not part
   * of the sealing context), so nobody sees or re-enters the key.
   */
  async reassign(p: Principal, id: string, userId: string): Promise<CredentialView> {
    authorize(p, 'credentials:reassign', { orgId: p.orgId })
    const { row, grants } = await this.#visible(p, id)
    if (row.scope !== 'personal' || row.disabled_at == null) {
      throw conflict('only a disabled personal credential (its owner left the org) can be reassigned', {
        code: 'not_disabled',
      })
    }
    const member = await this.#db
      .selectFrom('org_memberships')
      .innerJoin('users', 'users.id', 'org_memberships.user_id')
      .select('users.id')
      .where('org_memberships.org_id', '=', row.org_id)
      .where('org_memberships.user_id', '=', userId)
      .where('org_memberships.pending_since', 'is', null)
      .where('users.disabled_at', 'is', null)
      .executeTakeFirst()
    if (!member) throw badRequest(`no active member ${userId} in this org`, { param: 'userId' })
    const now = Date.now()
    const updated: CredentialsTable = {
      ...row,
      owner_user_id: userId,
      name_key: nameKey(row.org_id, 'personal', null, userId, row.name),
      disabled_at: null,
      updated_at: now,
    }
    await this.#write(async (trx) => {
      const r = await trx
        .updateTable('credentials')
        .set({ owner_user_id: userId, name_key: updated.name_key, disabled_at: null, updated_at: now })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .where('disabled_at', 'is not', null)
        .executeTakeFirst()
      if (Number(r.numUpdatedRows) !== 1) throw conflict('the credential changed meanwhile; retry')
      await this.#audit(trx, p, 'credential.reassigned', id, { from: row.owner_user_id, to: userId })
    })
    return toView(updated, p, grants)
  }

  async listGrants(p: Principal, id: string): Promise<Grant[]> {
    return (await this.#visible(p, id)).grants
  }

  async addGrant(p: Principal, id: string, g: GrantInput): Promise<Grant> {
    const { row } = await this.#manageable(p, id)
    if (row.scope === 'personal')
      throw badRequest('personal credentials cannot be shared', { code: 'personal_credential' })
    await this.#checkSubject(row.org_id, g)
    await this.#write(async (trx) => {
      const exists = await trx
        .selectFrom('credential_grants')
        .select('right')
        .where('credential_id', '=', id)
        .where('subject_type', '=', g.subjectType)
        .where('subject_id', '=', g.subjectId)
        .where('right', '=', g.right)
        .executeTakeFirst()
      if (exists) return
      await trx
        .insertInto('credential_grants')
        .values({
          credential_id: id,
          org_id: row.org_id,
          subject_type: g.subjectType,
          subject_id: g.subjectId,
          right: g.right,
          created_by: p.id,
          created_at: Date.now(),
        })
        .execute()
      await this.#audit(trx, p, 'credential.granted', id, { ...g })
    })
    return { credentialId: id, ...g }
  }

  async removeGrant(p: Principal, id: string, g: GrantInput): Promise<void> {
    await this.#manageable(p, id)
    await this.#write(async (trx) => {
      const r = await trx
        .deleteFrom('credential_grants')
        .where('credential_id', '=', id)
        .where('subject_type', '=', g.subjectType)
        .where('subject_id', '=', g.subjectId)
        .where('right', '=', g.right)
        .executeTakeFirst()
      if (Number(r.numDeletedRows) === 0) throw notFound('no such grant')
      await this.#audit(trx, p, 'credential.grant_revoked', id, { ...g })
    })
  }

  /** The secret of the credential's current version (for the cache and the key test). */
  async unseal(row: CredentialsTable): Promise<SecretPayload> {
    const version = Number(row.version)
    const s = await this.#db
      .selectFrom('credential_secrets')
      .select(['key_id', 'wrapped_key', 'ciphertext', 'aad_version'])
      .where('credential_id', '=', row.id)
      .where('version', '=', version)
      .executeTakeFirst()
    if (!s) throw this.#integrity(row, 'sealed secret row is missing')
    try {
      const ctx = this.#ctx(row, version, row.base_url)
      // Layout 1 bound no origins: origins on such a row were not put there by the vault.
      if (Number(s.aad_version) === 1 && ctx.origins.length > 0) {
        throw new IntegrityError('origins were added to a secret sealed without them')
      }
      return await unsealPayload(this.d.keyring, ctx, {
        keyId: s.key_id,
        wrappedKey: s.wrapped_key,
        ciphertext: s.ciphertext,
        aadVersion: Number(s.aad_version),
      })
    } catch (err) {
      if (err instanceof IntegrityError) throw this.#integrity(row, err.message)
      throw err
    }
  }

  #integrity(row: CredentialsTable, why: string): AppError {
    this.d.onIntegrityFailure?.()
    // Loud, and without secrets: ids and the reason only.
    this.d.logger.error(
      { credentialId: row.id, orgId: row.org_id, version: Number(row.version), reason: why },
      'credential integrity check failed',
    )
    return new AppError(
      500,
      'api_error',
      `credential ${row.name} failed its integrity check; rotate or re-create it`,
      {
        code: 'credential_integrity',
        retryable: false,
      },
    )
  }

  #ctx(row: CredentialsTable, version: number, baseUrl: string, origins?: string[]): SealContext {
    let bound = origins
    if (!bound) {
      try {
        bound = originsOf(row)
      } catch (err) {
        throw new IntegrityError((err as Error).message)
      }
    }
    return {
      orgId: row.org_id,
      credentialId: row.id,
      version,
      provider: row.provider,
      baseUrl,
      origins: bound,
    }
  }

  /** `origins` belong to http-secrets, and every http-secret has them. */
  #origins(
    kind: string,
    input: { origins?: string[]; baseUrl?: string | null },
    policy: EgressSettings,
  ): string[] {
    if (kind !== 'http-secret') {
      if (input.origins !== undefined) {
        throw badRequest(
          'origins apply only to http-secret credentials (a provider key goes to its baseUrl)',
          {
            param: 'origins',
          },
        )
      }
      return []
    }
    if (input.baseUrl) {
      throw badRequest('an http-secret takes origins (where it may be sent), not baseUrl', {
        param: 'baseUrl',
      })
    }
    return checkOrigins(input.origins, policy)
  }

  /** The org's egress settings; `restricted` adds the privateOrigins rule (see vouches). */
  #policy(orgId: string, restricted: boolean): EgressSettings {
    const e = this.d.egressFor(orgId)
    return restricted ? e : { mode: e.mode, allow: e.allow }
  }

  /** A base URL that passed the org's policy, judged again for a credential nobody vouched for. */
  #checkPrivate(orgId: string, baseUrl: string, restricted: boolean): void {
    if (!restricted || !baseUrl) return
    const v = checkBaseUrl(baseUrl, this.#policy(orgId, true))
    if (!v.ok)
      throw badRequest(`baseUrl ${v.reason}`, { param: 'baseUrl', code: v.code ?? 'invalid_base_url' })
  }

  #defaultScope(p: Principal): Scope {
    try {
      authorize(p, 'credentials:manage', { orgId: p.orgId, workspaceId: p.workspaceId })
      return p.workspaceId ? 'workspace' : 'org'
    } catch {
      return 'personal'
    }
  }

  async #checkCreateRights(p: Principal, scope: Scope, wsInput?: string) {
    if (scope === 'org') {
      authorize(p, 'credentials:manage', { orgId: p.orgId })
      return { workspaceId: null, ownerUserId: null }
    }
    if (scope === 'workspace') {
      const workspaceId = wsInput ?? p.workspaceId
      if (!workspaceId)
        throw badRequest('workspaceId is required for a workspace credential', { param: 'workspaceId' })
      const ws = await this.#db
        .selectFrom('workspaces')
        .select('org_id')
        .where('id', '=', workspaceId)
        .executeTakeFirst()
      if (!ws || ws.org_id !== p.orgId) throw notFound('workspace not found')
      authorize(p, 'credentials:manage', { orgId: p.orgId, workspaceId })
      return { workspaceId, ownerUserId: null }
    }
    authorize(p, 'credentials:create-personal', { orgId: p.orgId })
    if (!p.userId) {
      throw badRequest('personal credentials belong to a user; this token acts for no user', {
        param: 'scope',
      })
    }
    return { workspaceId: null, ownerUserId: p.userId }
  }

  async #visible(p: Principal, id: string) {
    authorize(p, 'credentials:read', { orgId: p.orgId })
    const row = await activeCredential(this.#db, id)
    if (!row || row.org_id !== p.orgId) throw notFound('credential not found')
    const grants = await grantsOf(this.#db, { credentialId: id })
    if (!canSee(p, refOf(row), grants)) throw notFound('credential not found')
    return { row, grants }
  }

  /** Whether the principal holds the manage right on a credential of its org (tool secrets). */
  async mayManage(p: Principal, id: string): Promise<boolean> {
    const row = await activeCredential(this.#db, id)
    if (!row || row.org_id !== p.orgId) return false
    return canManage(p, refOf(row), await grantsOf(this.#db, { credentialId: id }))
  }

  /**
   * `POST /credentials/:id/test`. Testing sends the key upstream: it needs the manage right,
   * like rotating it, and connects exactly as the gateway would — under the org's effective
   * egress policy, restricted when no org admin vouched for the credential.
   */
  async testKey(
    p: Principal,
    id: string,
    egress: Pick<EgressService, 'dispatcher' | 'policyFor'>,
  ): Promise<KeyTestResult> {
    const { row } = await this.#manageable(p, id)
    const payload = await this.unseal(row)
    const dispatcher = egress.dispatcher(egress.policyFor(row.org_id, Number(row.private_ok) !== 1))
    const result = await testCredentialKey(
      { provider: row.provider, baseUrl: row.base_url, apiKey: payload.apiKey, secret: payload.secret },
      dispatcher,
    )
    // A test is a use of the key: audited with its outcome (never the key or upstream text).
    await this.d.audit.record(
      this.#db,
      actorEvent(p, 'credential.tested', {
        targetType: 'credential',
        targetId: row.id,
        credentialId: row.id,
        workspaceId: row.workspace_id,
        details: { provider: row.provider, ok: result.ok, status: result.status },
      }),
    )
    return result
  }

  async #manageable(p: Principal, id: string, evenDisabled = false) {
    const v = await this.#visible(p, id)
    if (!canManage(p, refOf(v.row), v.grants)) {
      throw new AppError(403, 'permission_error', 'you may not manage this credential', {
        code: 'no_manage_right',
      })
    }
    if (v.row.disabled_at != null && !evenDisabled) {
      throw conflict(
        'this credential is disabled (its owner left the org): an owner may reassign or delete it',
        {
          code: 'credential_disabled',
        },
      )
    }
    return v
  }

  async #checkSubject(orgId: string, g: GrantInput): Promise<void> {
    const db = this.#db
    const found =
      g.subjectType === 'user'
        ? await db
            .selectFrom('org_memberships')
            .select('user_id')
            .where('org_id', '=', orgId)
            .where('user_id', '=', g.subjectId)
            .executeTakeFirst()
        : g.subjectType === 'workspace'
          ? await db
              .selectFrom('workspaces')
              .select('id')
              .where('org_id', '=', orgId)
              .where('id', '=', g.subjectId)
              .executeTakeFirst()
          : await db
              .selectFrom('access_tokens')
              .select('id')
              .where('org_id', '=', orgId)
              .where('id', '=', g.subjectId)
              .where('revoked_at', 'is', null)
              .executeTakeFirst()
    if (!found) throw badRequest(`no ${g.subjectType} ${g.subjectId} in this org`, { param: 'subjectId' })
  }

  async #insertSecret(trx: Db, ctx: SealContext, payload: SecretPayload, now: number) {
    const sealed = await sealPayload(this.d.keyring, ctx, payload)
    await guardKey(trx, sealed.keyId)
    await trx
      .insertInto('credential_secrets')
      .values({
        credential_id: ctx.credentialId,
        version: ctx.version,
        org_id: ctx.orgId,
        key_id: sealed.keyId,
        wrapped_key: sealed.wrappedKey,
        ciphertext: sealed.ciphertext,
        aad_version: sealed.aadVersion,
        created_at: now,
      })
      .execute()
  }

  async #replaceSecret(trx: Db, ctx: SealContext, sealed: SealedSecret, now: number) {
    await guardKey(trx, sealed.keyId)
    await trx
      .updateTable('credential_secrets')
      .set({
        key_id: sealed.keyId,
        wrapped_key: sealed.wrappedKey,
        ciphertext: sealed.ciphertext,
        aad_version: sealed.aadVersion,
        created_at: now,
      })
      .where('credential_id', '=', ctx.credentialId)
      .where('version', '=', ctx.version)
      .execute()
  }

  async #audit(
    trx: Db,
    p: Principal,
    action: string,
    credentialId: string,
    details: Record<string, unknown>,
  ) {
    await this.d.audit.record(
      trx,
      actorEvent(p, action, {
        targetType: 'credential',
        targetId: credentialId,
        credentialId,
        details,
      }),
    )
  }

  /** Runs a change in one transaction, maps unique violations to 409, then notifies caches. */
  async #write(fn: (trx: Db) => Promise<void>, retried = false): Promise<void> {
    try {
      await this.#db.transaction().execute(fn)
    } catch (err) {
      if (err instanceof KeyRetiredError && !retried) {
        // A master-key rotation finished after we sealed: learn the new key and seal again.
        await this.d.keyring.refresh()
        return this.#write(fn, true)
      }
      if (isUniqueViolation(err, 'name_key')) {
        throw conflict('a credential with this name already exists in this scope', {
          code: 'name_taken',
          param: 'name',
        })
      }
      if (isUniqueViolation(err, 'fingerprint_key')) {
        throw conflict('this key is already stored in another credential of this org', {
          code: 'duplicate_key',
        })
      }
      if (err instanceof KeyRetiredError) {
        throw new AppError(503, 'api_error', 'a master-key rotation just finished; retry', {
          retryable: true,
        })
      }
      throw err
    }
    await this.d.bus.publish('credentials')
  }
}

/**
 * Whether the principal vouches for a credential's destination by saving it: org owners and
 * admins. Credentials saved by anyone else reach loopback/private addresses only at origins
 * on the org's `privateOrigins` list (issue 15: a member must not turn the gateway or the key
 * test into a probe of the internal network).
 */
function vouches(p: Principal): boolean {
  return roleAtLeast(p.role, 'admin')
}
